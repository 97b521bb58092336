import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { runLoad } from '../../loadgen/run/coordinator.js';
import { loadScenario } from '../../loadgen/scenario/scenario.js';
import { startGateway } from '../helpers/gateway.js';

for (const format of ['json', 'msgpack', 'proto'] as const) {
  test(`artillery run drives bfg serve through the BFG engine (${format}), on bfg load's own codec and ledger`, async () => {
    const g = await startGateway({ msgRate: 1000, msgBurst: 1000 });
    const dir = mkdtempSync(join(tmpdir(), 'bfg-artillery-'));
    const out = join(dir, 'report.json');
    try {
      const bin = resolve('node_modules/.bin/artillery');
      const overrides = JSON.stringify({ config: { engines: { bfg: { format } } } });
      const p = spawn(bin, ['run', '--target', g.url, '--overrides', overrides, '--output', out, resolve('artillery-engine-bfg/example.yml')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      p.stdout.on('data', (d) => (log += d));
      p.stderr.on('data', (d) => (log += d));
      const code = await new Promise<number | null>((r) => p.on('exit', r));
      assert.equal(code, 0, log);
      const report = JSON.parse(readFileSync(out, 'utf8')) as { aggregate: { counters: Record<string, number>; summaries: Record<string, { count: number; p99: number }> } };
      const c = report.aggregate.counters;
      assert.equal(c['vusers.created'], 10);
      assert.equal(c['vusers.failed'] ?? 0, 0, log);
      assert.equal(c['bfg.errors.undecodable'] ?? 0, 0, 'every frame decoded in this format');
      assert.equal(c['bfg.sent'], 20);
      assert.equal(c['bfg.acked'], 20);
      assert.ok(c['bfg.received'] > 0, 'messages fanned out between virtual users');
      assert.equal(c['bfg.lost'] ?? 0, 0);
      assert.equal(c['bfg.duplicated'] ?? 0, 0);
      // the ledger adds up as bfg load's does: expected = delivered + backfilled + lost
      assert.equal(c['bfg.expected'], c['bfg.received'] + (c['bfg.backfilled'] ?? 0) + (c['bfg.lost'] ?? 0));
      assert.equal(report.aggregate.summaries['bfg.fanout_latency_ms'].count, c['bfg.received']);
    } finally {
      await g.gw.close();
    }
  });
}

test('the Artillery engine counts as bfg load does: a live delivery the gateway skipped but history holds is backfilled, not lost', async () => {
  const g = await startGateway({ msgRate: 1000, msgBurst: 1000 });
  const rooms = g.gw.ctx.rooms;
  const deliver = rooms.deliver.bind(rooms);
  let skipped = 0;
  // the gateway skips every 3rd live delivery; history keeps them all, so each is backfilled, none lost
  rooms.deliver = (env) => (env.msg.seq % 3 === 0 && !env.topic.startsWith('@') ? void skipped++ : deliver(env));
  const dir = mkdtempSync(join(tmpdir(), 'bfg-artillery-'));
  const out = join(dir, 'report.json');
  try {
    const p = spawn(resolve('node_modules/.bin/artillery'), ['run', '--target', g.url, '--output', out, resolve('artillery-engine-bfg/example.yml')], { cwd: dir, stdio: 'ignore' });
    assert.equal(await new Promise<number | null>((r) => p.on('exit', r)), 0);
    const c = (JSON.parse(readFileSync(out, 'utf8')) as { aggregate: { counters: Record<string, number> } }).aggregate.counters;
    assert.ok(skipped > 0);
    assert.ok((c['bfg.backfilled'] ?? 0) > 0, 'skipped deliveries found in history');
    assert.equal(c['bfg.lost'] ?? 0, 0, 'what history holds is not lost');
    assert.equal(c['bfg.expected'], c['bfg.received'] + c['bfg.backfilled'] + (c['bfg.lost'] ?? 0));
  } finally {
    await g.gw.close();
  }
});

test('the http phase loads the history endpoint with autocannon and joins the result', async () => {
  const g = await startGateway();
  try {
    const s = loadScenario('scenarios/smoke.yaml', ['duration_s=2.5', 'http={at_s: 1, duration_s: 1, connections: 4}', 'thresholds=["http_non2xx == 0", "http_errors == 0", "lost == 0"]']);
    const r = await runLoad({ scenario: s, target: g.url, progress: false, log: () => {} });
    assert.ok(r.http, 'an http section in the result');
    assert.ok(r.http!.requests > 10, `autocannon sent requests (${r.http!.requests})`);
    assert.equal(r.http!.non2xx, 0);
    assert.match(r.http!.url, /\/rooms\/:room\/messages$/);
    assert.ok(r.http!.latency_ms.p99 >= r.http!.latency_ms.p50);
    assert.equal(r.passed, true, JSON.stringify(r.thresholds));
  } finally {
    await g.gw.close();
  }
});
