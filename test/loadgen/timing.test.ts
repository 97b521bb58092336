/** The instrument tells the truth: latency against a known delay, against a direct probe, under starvation, in 100 ms buckets. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { Scheduler } from '../../loadgen/agent/scheduler.js';
import { nowMs } from '../../loadgen/measure/clock.js';
import type { RunResult } from '../../loadgen/result.js';
import { BFG, runBfg, startServe } from '../helpers/cli.js';
import { startGateway } from '../helpers/gateway.js';
import { percentiles } from '../../loadgen/measure/histogram.js';
import { holdDeliveries } from '../helpers/delay.js';

const STALL = fileURLToPath(new URL('../../../test/fixtures/stall.cjs', import.meta.url));
const result = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as RunResult;

test('a gateway that holds every delivery 20 ms: p50 within 2 ms above the holds it really applied, sends on their intended time (lag p50 < 0.1 ms) at 1,000 msgs/s', async (t) => {
  const D = 20;
  const g = await startGateway({ msgRate: 1000, msgBurst: 1000 });
  const stop = holdDeliveries(g.gw, D);

  const out = '/tmp/bfg-delay.json';
  const r = await runBfg(['load', 'scenarios/room-fanout.yaml', '--target', g.url, '--set', 'users=200', '--set', 'arrival_rate=1000',
    '--set', 'rooms.size=2', '--set', 'messages.rate_per_room=10', '--set', 'duration_s=4', '--set', 'send_after_s=1', '--set', 'thresholds=[]',
    '--no-progress', '--out', out], 90_000);
  stop();
  await g.gw.close();
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const res = result(out);
  const sends = res.generator!.send_lag.count;
  assert.ok(sends >= 2500, `about 1,000 msgs/s for 3 s (${sends})`);
  const p50 = res.latency.every.p50_ms;
  // the truth is the hold the gateway really applied: 20 ms plus its timer's overshoot
  const held = percentiles(stop.held).p50_ms;
  t.diagnostic(`measured: p50 ${p50} ms against ${held.toFixed(3)} ms really held (${D} ms asked, ${stop.held.totalCount} deliveries); send lag p50 ${res.generator!.send_lag.p50_ms} ms, p99 ${res.generator!.send_lag.p99_ms} ms over ${sends} sends`);
  assert.ok(held >= D, `held p50 ${held} ms >= ${D} ms`);
  // above it: the path itself (outbox turn, loopback, the agent's read), about 1 ms p50 on a 2-core VM
  // (the probe test below reads it directly), where a coarse receive tick would add 5 ms or more
  assert.ok(p50 >= held && p50 <= held + 2, `p50 ${p50} ms within [${held.toFixed(3)}, ${(held + 2).toFixed(3)}] ms`);
  // the scheduler sends at the intended time, not on a coarse tick: a tick of 1 ms would put the median
  // lag near 0.5 ms, one of 10 ms near 5 ms. Its tail is the host's (a VM's steal and GC pauses put p99
  // anywhere from 0.5 to 7 ms here), which the run reports as its error bar (printed above) rather
  // than this test asserting a quiet host
  const lag = res.generator!.send_lag;
  assert.ok(lag.p50_ms < 0.1, `send lag p50 ${lag.p50_ms} ms < 0.1 ms (no coarse tick)`);
});

test('bfg load and a direct two-client probe through the same bfg serve agree on p50 within 0.5 ms', async (t) => {
  const { proc, port } = await startServe(['--auth', 'none', '--msg-rate', '1000', '--msg-burst', '1000']);
  try {
    const url = `ws://127.0.0.1:${port}`;
    const open = (u: string) => new Promise<WebSocket>((res, rej) => { const w = new WebSocket(`${url}/?user=${u}`, 'bfg.v1.json'); w.once('open', () => res(w)); w.once('error', rej); });
    const [a, b] = [await open('probe-a'), await open('probe-b')];
    const lats: number[] = [];
    b.on('message', (d: Buffer) => {
      const t = nowMs();
      const f = JSON.parse(String(d)) as { op: string; meta?: { t: number } };
      if (f.op === 'msg' && f.meta) lats.push(t - f.meta.t);
    });
    for (const w of [a, b]) w.send(JSON.stringify({ op: 'join', room: 'probe' }));
    await new Promise((r) => setTimeout(r, 200));
    const load = runBfg(['load', 'scenarios/room-fanout.yaml', '--target', url, '--set', 'users=20', '--set', 'arrival_rate=200',
      '--set', 'rooms.size=2', '--set', 'messages.rate_per_room=5', '--set', 'duration_s=6', '--set', 'thresholds=[]', '--no-progress', '--out', '/tmp/bfg-probe.json'], 90_000);
    // the probe sends through the same gateway while the run lasts, at a comparable low rate
    const sched = new Scheduler();
    let n = 0;
    sched.add({ next: nowMs() + 1000, fire() { a.send(JSON.stringify({ op: 'send', room: 'probe', id: `p${n}`, body: 'x', meta: { t: nowMs() } })); this.next = ++n < 200 ? this.next + 25 : Infinity; } });
    const r = await load;
    sched.stop();
    a.close(); b.close();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    lats.sort((x, y) => x - y);
    const probe = lats[Math.floor(lats.length / 2)];
    const bfg = result('/tmp/bfg-probe.json').latency.every.p50_ms;
    t.diagnostic(`measured: bfg load p50 ${bfg} ms, direct probe p50 ${probe.toFixed(3)} ms over ${lats.length} messages`);
    assert.ok(lats.length >= 150, `the probe measured (${lats.length})`);
    assert.ok(Math.abs(bfg - probe) <= 0.5, `bfg p50 ${bfg} ms vs probe p50 ${probe.toFixed(3)} ms`);
  } finally {
    proc.kill('SIGTERM');
  }
});

test('a starved generator (a busy loop in its processes) makes the run UNTRUSTED, naming the send lag', async () => {
  const g = await startGateway({ msgRate: 1000, msgBurst: 1000 });
  const out = '/tmp/bfg-starved.json';
  const p = spawn(process.execPath, ['--require', STALL, BFG, 'load', 'scenarios/room-fanout.yaml', '--target', g.url, '--set', 'users=40',
    '--set', 'arrival_rate=200', '--set', 'rooms.size=4', '--set', 'messages.rate_per_room=20', '--set', 'duration_s=4', '--set', 'thresholds=[]',
    '--no-progress', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  p.stdout.on('data', (d) => (text += d));
  p.stderr.on('data', (d) => (text += d));
  const code = await new Promise<number | null>((r) => p.on('exit', r));
  await g.gw.close();
  assert.equal(code, 0, text);
  const res = result(out);
  assert.equal(res.trusted, false, text);
  assert.ok(res.untrusted_reasons.some((x) => /send lag p(50|99) [\d.]+ ms/.test(x)), res.untrusted_reasons.join('; '));
  assert.match(text, /UNTRUSTED: .*generator send lag/);
});

test('the reconnect storm in 100 ms buckets: >= 10 points a second, a dip of about the dropped share, recovery in ms', async () => {
  const out = '/tmp/bfg-storm-timeline.json';
  const r = await runBfg(['load', 'scenarios/reconnect-storm.yaml', '--serve', '--no-progress', '--out', out], 90_000);
  assert.ok(r.code === 0 || r.code === 1, r.stdout + r.stderr);
  const res = result(out);
  const at = res.storm!.at_s;
  const around = res.timeline.filter((p) => p.t >= at - 1 && p.t < at + 2);
  assert.ok(around.length >= 30, `>= 10 points a second around the storm (${around.length} in 3 s)`);
  const before = res.timeline.filter((p) => p.t <= at).at(-1)!.connected;
  const low = Math.min(...res.timeline.filter((p) => p.t > at && p.t < at + 2).map((p) => p.connected));
  const dropped = (before * res.scenario.storm.drop_pct) / 100;
  assert.ok(before - low >= 0.6 * dropped, `connections dip by about the dropped share: ${before} -> ${low} (dropped ${dropped})`);
  assert.ok(res.timeline.at(-1)!.connected >= 0.99 * before || res.timeline.some((p) => p.t > at && p.connected >= 0.99 * before), 'and recover');
  const ttr = res.storm!.time_to_recover_ms;
  assert.ok(typeof ttr === 'number' && Number.isInteger(ttr) && ttr > 0 && ttr < 5000, `time to recover in ms: ${ttr}`);
  assert.equal(res.storm!.time_to_recover_s, ttr / 1000);
});
