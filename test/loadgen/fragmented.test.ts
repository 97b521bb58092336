/** bfg load against gateways that speak legal but unusual WebSocket, and against one that gives it nothing to measure. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { RunResult } from '../../loadgen/result.js';
import type { Envelope } from '../../server/broker/broker.js';
import type { Session } from '../../server/session.js';
import { runBfg } from '../helpers/cli.js';
import { fragmentFrames } from '../helpers/fragment.js';
import { startGateway } from '../helpers/gateway.js';
import { until } from '../helpers/wait.js';

const metric = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? 0);

test('a gateway that fragments every message with pings between: every delivery measured, ledger complete, clean closes', async () => {
  const g = await startGateway({ msgRate: 1000, msgBurst: 1000 });
  const outbox = g.gw.ctx.outbox;
  const push = outbox.push.bind(outbox);
  outbox.push = (s: Session, buf: Buffer) => push(s, fragmentFrames(buf));
  const out = '/tmp/bfg-fragmented.json';
  const r = await runBfg(['load', 'scenarios/room-fanout.yaml', '--target', g.url, '--set', 'users=40', '--set', 'arrival_rate=200',
    '--set', 'rooms.size=10', '--set', 'duration_s=3', '--no-progress', '--out', out], 60_000);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const res = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
  assert.ok(res.ledger.delivered > 100, `traffic flowed (${res.ledger.delivered})`);
  assert.equal(res.latency.every.count, res.ledger.delivered, 'every delivery has a latency sample');
  assert.equal(res.ledger.lost + res.ledger.duplicated + res.ledger.reordered, 0);
  assert.equal(res.ledger.expected, res.ledger.delivered + res.ledger.backfilled + res.ledger.lost);
  assert.equal(Object.keys(res.stats.errors).filter((k) => k.startsWith('ws_protocol')).length, 0, 'no protocol error');
  await until(async () => metric(await (await fetch(`${g.http}/metrics`)).text(), /bfg_closes_total\{code="1000",node="n1"\} (\d+)/) === 40, 5000, '40 clean closes');
  const m = await (await fetch(`${g.http}/metrics`)).text();
  assert.equal(metric(m, /bfg_closes_total\{code="1006",node="n1"\} (\d+)/), 0, 'the gateway saw no abnormal closure');
  await g.gw.close();
});

test('no verdict from missing data: a latency threshold with no samples is not met (exit 1, "no samples")', async () => {
  const g = await startGateway({ msgRate: 1000, msgBurst: 1000 });
  // a gateway that relays messages but drops their meta: the generator finds no send time in them
  const rooms = g.gw.ctx.rooms;
  const deliver = rooms.deliver.bind(rooms);
  rooms.deliver = (env: Envelope) => deliver({ ...env, msg: { ...env.msg, meta: undefined } });
  const out = '/tmp/bfg-no-samples.json';
  const r = await runBfg(['load', 'scenarios/room-fanout.yaml', '--target', g.url, '--set', 'users=20', '--set', 'arrival_rate=200',
    '--set', 'rooms.size=10', '--set', 'duration_s=2', '--no-progress', '--out', out], 60_000);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /threshold BROKEN p99_ms < 250 \(no samples\)/);
  assert.match(r.stdout, /WARNING: \d+ messages delivered but no latency measured/);
  const res = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
  assert.ok(res.ledger.delivered > 0);
  assert.equal(res.thresholds.find((t) => t.metric === 'p99_ms')?.no_samples, true);
  assert.equal(res.thresholds.find((t) => t.metric === 'lost')?.ok, true, 'the ledger thresholds still hold');
  await g.gw.close();
});
