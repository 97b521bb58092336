/** Live Prometheus metrics from the load generator, and the dashboard that reads them. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LOAD_METRICS } from '../../../loadgen/run/exporter.js';
import type { RunResult } from '../../../loadgen/result.js';
import { createMetrics } from '../../../server/metrics.js';
import { BFG } from '../../helpers/cli.js';
import { startGateway } from '../../helpers/gateway.js';
import { startRedis } from '../../helpers/redis.js';
import { until } from '../../helpers/wait.js';

/** A strict check of the Prometheus text format: every line a comment, blank, or `name{labels} value`. */
function parseProm(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* /.test(line)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|\+Inf|NaN)$/.exec(line);
    assert.ok(m, `a valid Prometheus line: ${JSON.stringify(line)}`);
    out.set(m[1] + (m[2] ?? ''), Number(m[3]));
  }
  return out;
}
const total = (m: Map<string, number>, name: string) => [...m].filter(([k]) => k === name || k.startsWith(`${name}{`)).reduce((a, [, v]) => a + v, 0);

function spawnLoad(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const p = spawn(process.execPath, [BFG, 'load', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((r) => p.on('exit', r));
  return { out: () => out, exit };
}

test('--metrics-port: every metric is served in Prometheus text, deliveries grow between scrapes, the port closes after', async () => {
  const g = await startGateway({ msgRate: 1000, msgBurst: 1000 });
  const run = spawnLoad(['scenarios/room-fanout.yaml', '--target', g.url, '--set', 'users=40', '--set', 'rooms.size=10', '--set', 'duration_s=5',
    '--set', 'thresholds=[]', '--no-progress', '--metrics-port', '0', '--out', '/tmp/bfg-metrics.json']);
  await until(() => /live metrics at (http:\/\/\S+)/.test(run.out()), 15_000, 'the metrics URL');
  const url = /live metrics at (http:\/\/\S+)/.exec(run.out())![1];
  const scrape = async () => parseProm(await (await fetch(url)).text());
  let first = new Map<string, number>();
  await until(async () => total((first = await scrape()), 'bfg_load_deliveries_total') > 0, 15_000, 'deliveries in a scrape');
  for (const name of LOAD_METRICS) {
    assert.ok([...first.keys()].some((k) => k.startsWith(name)), `${name} is served`);
  }
  assert.match([...first.keys()].find((k) => k.startsWith('bfg_load_connections'))!, /scenario="room-fanout"/);
  assert.match([...first.keys()].find((k) => k.startsWith('bfg_load_connections'))!, /run="[0-9a-f]+"/);
  let second = first;
  await until(async () => total((second = await scrape()), 'bfg_load_deliveries_total') > total(first, 'bfg_load_deliveries_total'), 15_000, 'deliveries to grow');
  assert.ok(total(second, 'bfg_load_latency_seconds_count') > 0, 'the latency histogram has samples');
  assert.equal(total(second, 'bfg_load_latency_seconds_count'), second.get([...second.keys()].find((k) => k.startsWith('bfg_load_latency_seconds_bucket') && k.includes('le="+Inf"'))!));
  assert.equal(await run.exit, 0, run.out());
  await assert.rejects(fetch(url), 'after the run the port is closed');
  await g.gw.close();
});

test('a distributed run: the coordinator serves the sum of its agents\' figures', async () => {
  const redis = await startRedis();
  const g = await startGateway({ msgRate: 1000, msgBurst: 1000 });
  const agents = ['m1', 'm2'].map((name) => spawn(process.execPath, [BFG, 'agent', '--join', redis.url, '--name', name, '--once'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  try {
    const outs = agents.map((a) => { let o = ''; a.stdout!.on('data', (d) => (o += d)); return () => o; });
    for (const o of outs) await until(() => /joined/.test(o()), 10_000, 'the agents to join');
    const out = '/tmp/bfg-metrics-dist.json';
    const run = spawnLoad(['scenarios/room-fanout.yaml', '--coordinator', redis.url, '--agents', '2', '--target', g.url, '--set', 'users=40', '--set', 'rooms.size=10',
      '--set', 'duration_s=6', '--set', 'thresholds=[]', '--no-progress', '--metrics-port', '0', '--out', out]);
    await until(() => /live metrics at (http:\/\/\S+)/.test(run.out()), 30_000, 'the metrics URL');
    const url = /live metrics at (http:\/\/\S+)/.exec(run.out())![1];
    let last = 0;
    const poll = (async () => {
      for (;;) {
        try { last = total(parseProm(await (await fetch(url)).text()), 'bfg_load_deliveries_total'); } catch { return; }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    assert.equal(await run.exit, 0, run.out());
    await poll;
    const r = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    const perAgent = r.agents.map((a) => a.counts.delivered);
    assert.equal(perAgent.length, 2);
    assert.ok(last > Math.max(...perAgent), `the last scrape (${last}) exceeds any one agent's whole run (${perAgent}): it is their sum`);
    assert.ok(last <= r.ledger.delivered, `and never more than the run delivered (${r.ledger.delivered})`);
  } finally {
    for (const a of agents) a.kill('SIGKILL');
    await g.gw.close();
    redis.stop();
  }
});

test('the Grafana dashboard is valid JSON whose queries name only metrics that exist', async () => {
  const text = readFileSync(new URL('../../../../dashboards/bfg.json', import.meta.url), 'utf8');
  const dash = JSON.parse(text) as { panels: { targets: { expr: string }[] }[] };
  const gateway = (await createMetrics('n1').registry.getMetricsAsJSON()).map((m) => m.name);
  const known = new Set([...LOAD_METRICS, ...gateway]);
  const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr));
  assert.ok(exprs.length >= 8);
  const names = new Set(exprs.flatMap((e) => e.match(/\bbfg_[a-z_]+/g) ?? []).map((n) => n.replace(/_(bucket|sum|count)$/, '')));
  assert.ok([...names].some((n) => n.startsWith('bfg_load_')) && [...names].some((n) => !n.startsWith('bfg_load_')), 'both the generator and the gateway');
  for (const n of names) assert.ok(known.has(n), `${n} exists`);
  for (const n of ['process_cpu_seconds_total', 'process_resident_memory_bytes']) assert.ok(gateway.includes(n), `${n} is a gateway metric`);
});
