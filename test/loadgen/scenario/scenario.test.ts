import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runLoad, split } from '../../../loadgen/run/coordinator.js';
import { REALTIME, REALTIME_REFUSED } from '../../../loadgen/run/placement.js';
import { loadScenario, parseScenario } from '../../../loadgen/scenario/scenario.js';
import { runBfg } from '../../helpers/cli.js';
import { startGateway } from '../../helpers/gateway.js';

const dir = mkdtempSync(join(tmpdir(), 'bfg-load-'));

test('offline-resume: users that went offline get every message after they come back', async () => {
  const g = await startGateway({ history: 1000 });
  const r = await runLoad({ scenario: loadScenario('scenarios/offline-resume.yaml'), target: g.url, progress: false, log: () => {} });
  await g.gw.close();
  assert.ok(r.stats.reconnects > 0, 'some users went offline and came back');
  assert.ok(r.ledger.recovered > 0, 'messages were replayed on join after=');
  assert.equal(r.ledger.lost, 0);
  assert.equal(r.ledger.duplicated, 0);
  assert.equal(r.metrics.delivered_pct, 100);
  assert.ok(r.ledger.expected > 500);
  assert.equal(r.passed, true);
});

test('every scenario in scenarios/ is valid', async () => {
  for (const f of ['smoke', 'capacity-ramp', 'room-fanout', 'dm-mesh', 'reconnect-storm', 'slow-consumer', 'offline-resume']) {
    assert.equal(loadScenario(`scenarios/${f}.yaml`).name, f);
  }
});

test('a bad scenario is reported with every bad field named, exit 2', async () => {
  const r = await runBfg(['load', 'scenarios/smoke.yaml', '--set', 'rooms.size=0', '--set', 'reconnect.policy=sometimes', '--set', 'colour=red', '--set', 'thresholds=["p99 < 5"]']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad_scenario/);
  assert.match(r.stderr, /\/rooms\/size: must be >= 1/);
  assert.match(r.stderr, /\/reconnect\/policy: must be equal to one of the allowed values/);
  assert.match(r.stderr, /must NOT have additional properties "colour"/);
  assert.match(r.stderr, /\/thresholds\/0: "p99 < 5" is not/);
});

test('thresholds decide the exit code: 0 when all hold, 1 when one breaks (named), JUnit written', async () => {
  // thresholds on counts only: a test must not hinge on this machine's speed
  const ok = await runBfg(['load', 'scenarios/smoke.yaml', '--serve', '--no-progress', '--set', 'duration_s=1.5',
    '--set', 'thresholds=["lost == 0", "duplicated == 0", "p99_ms > 0"]', '--out', join(dir, 'ok.json')]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /result: PASS/);
  // --serve: the agents ran SCHED_FIFO on their own CPU where the OS allows it (root here), and the result says so
  const okResult = JSON.parse(readFileSync(join(dir, 'ok.json'), 'utf8'));
  const placed = okResult.placement;
  // a forked agent has gc exposed: it collects its young generation between sends and counts it
  assert.equal(typeof okResult.agents[0].trust.young_gcs, 'number', JSON.stringify(okResult.agents[0].trust));
  if (os.cpus().length >= 2 && !process.env.BFG_NO_PIN && !process.env.BFG_NO_RT) {
    assert.equal(placed.agents, process.getuid?.() === 0 ? REALTIME : REALTIME_REFUSED, JSON.stringify(placed));
    assert.match(ok.stdout, new RegExp(`agents at ${placed.agents.replace(/[()]/g, '\\$&')}`));
  }
  const bad = await runBfg(['load', 'scenarios/smoke.yaml', '--serve', '--no-progress', '--set', 'duration_s=1.5',
    '--set', 'thresholds=["lost == 0", "p99_ms < 0"]', '--out', join(dir, 'bad.json'), '--junit', join(dir, 'junit.xml')]);
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  assert.match(bad.stdout, /threshold BROKEN p99_ms < 0/);
  const result = JSON.parse(readFileSync(join(dir, 'bad.json'), 'utf8'));
  assert.equal(result.schema, 'bfg.result.v1');
  assert.equal(result.passed, false);
  const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
  assert.match(xml, /failures="1"/);
  assert.match(xml, /<testcase [^>]*name="p99_ms &lt; 0"><failure/);
});

test('a public target is refused unless --allow-remote', async () => {
  const r = await runBfg(['load', 'scenarios/smoke.yaml', '--target', 'ws://203.0.113.9:80']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not a loopback or private address.*--allow-remote/);
});

test('users are split over agents in whole rooms', () => {
  const s = parseScenario({ name: 'x', users: 95, rooms: { size: 10 } });
  const parts = split(s, 3);
  assert.deepEqual(parts, [[0, 30], [30, 60], [60, 95]]);
});
