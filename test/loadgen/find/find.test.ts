import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { CapacityResult } from '../../../loadgen/find/capacity.js';
import { BFG, runBfg } from '../../helpers/cli.js';
import { holdDeliveries } from '../../helpers/delay.js';
import { startGateway } from '../../helpers/gateway.js';

const STALL = fileURLToPath(new URL('../../../../test/fixtures/stall.cjs', import.meta.url));
const N = 100;

function scenarioFile(dir: string, p99 = 30): string {
  const f = join(dir, 'knee.yaml');
  writeFileSync(f, JSON.stringify({
    name: 'knee', users: 20, arrival_rate: 400, rooms: { size: 10 }, messages: { rate_per_room: 5 }, drain_s: 1,
    thresholds: [`p99_ms < ${p99}`, 'lost == 0'],
  }));
  return f;
}

function run(args: string[], pre: string[] = []): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...pre, BFG, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => resolve({ code, out }));
  });
}

test(`bfg find: a gateway that holds deliveries 60 ms once past ${N} connections — the knee is found within 10% of ${N}`, async () => {
  const g = await startGateway({ msgRate: 1000, msgBurst: 1000 });
  const stop = holdDeliveries(g.gw, 60, () => g.gw.hub.size > N);
  const dir = mkdtempSync(join(tmpdir(), 'bfg-find-'));
  const out = join(dir, 'capacity.json');
  try {
    const r = await run(['find', scenarioFile(dir), '--vary', 'users', '--from', '20', '--to', '1000', '--target', g.url,
      '--hold-s', '2', '--warmup-s', '0.5', '--min-samples', '200', '--out', out]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /users=20 +held/);
    assert.match(r.out, /BROKE .*p99_ms < 30/);
    const c = JSON.parse(readFileSync(out, 'utf8')) as CapacityResult;
    assert.equal(c.schema, 'bfg.capacity.v1');
    assert.equal(c.stopped, 'knee');
    const hi = c.highest_ok!.users!, fb = c.first_broken!.users!;
    assert.ok(Math.abs(hi - N) <= N * 0.1, `highest that held ${hi}, within 10% of ${N}`);
    assert.ok(fb > hi && fb <= hi * 1.05 + 1, `first broken ${fb} just above ${hi}`);
    assert.match(c.why, /p99_ms < 30/);
    assert.equal(c.knee_per_node!.connections, hi);
    assert.ok(c.steps.length >= 5 && c.steps.every((s) => typeof s.users === 'number' && s.samples > 0));
    // plan --from the capacity result: the measured knee binds the connections per server
    const p = await runBfg(['plan', '--from', out, '--json']);
    assert.equal(p.code, 0, p.stderr);
    const plan = JSON.parse(p.stdout) as { inputs: Record<string, number>; binding: Record<string, string>; sources: Record<string, { note: string }> };
    assert.equal(plan.inputs.slo_connections_per_server, hi);
    assert.equal(plan.binding.connections, 'the SLO knee (measured)');
    assert.match(plan.sources.slo_connections_per_server.note, /bfg find --vary users/);
    // the knee report: a chart and the steps
    const rep = await runBfg(['report', out, '--out', join(dir, 'report')]);
    assert.equal(rep.code, 0, rep.stderr);
    const md = readFileSync(join(dir, 'report', 'report.md'), 'utf8');
    assert.match(md, /The knee against users/);
    assert.match(md, new RegExp(`Highest load that held: users=${hi}`));
  } finally {
    stop();
    await g.gw.close();
  }
});

test('bfg find: a starved generator makes the search stop and say so, not blame the gateway', async () => {
  const g = await startGateway({ msgRate: 1000, msgBurst: 1000 });
  const dir = mkdtempSync(join(tmpdir(), 'bfg-find-'));
  const out = join(dir, 'capacity.json');
  try {
    // the busy loop holds the agents' event loop 15 ms of every 20: their own lateness breaks a 10 ms p99
    const r = await run(['find', scenarioFile(dir, 10), '--vary', 'users', '--from', '40', '--to', '1000', '--target', g.url,
      '--hold-s', '2', '--warmup-s', '0.5', '--min-samples', '200', '--out', out], ['--require', STALL]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /GENERATOR-BOUND/);
    const c = JSON.parse(readFileSync(out, 'utf8')) as CapacityResult;
    assert.equal(c.stopped, 'generator');
    assert.match(c.why, /the generator, not the gateway/);
    assert.equal(c.steps.at(-1)!.generator_bound, true);
  } finally {
    await g.gw.close();
  }
});
