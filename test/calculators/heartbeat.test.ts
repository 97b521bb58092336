import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calibrateHeartbeat } from '../../calculators/calibrate.js';
import { heartbeatCores, heartbeatsPerSec, heartbeatUsMeasured } from '../../calculators/heartbeat.js';
import { makePlan } from '../../calculators/plan.js';
import { planInputs } from '../../calculators/inputs.js';
import type { RunResult } from '../../loadgen/result.js';

test('heartbeat CPU: 1,000,000 connections pinged every 25 s at 37 µs a round trip take 1.48 cores', () => {
  assert.equal(heartbeatsPerSec(1_000_000, 25), 40_000);
  assert.ok(Math.abs(heartbeatCores(1_000_000, 25, 37) - 1.48) < 1e-12);
  // 200,000 sockets / 25 s = 8,000 round trips/s; 0.293 of a core over 600 s: 36.6 µs each (bench:idle's gateways)
  assert.ok(Math.abs(heartbeatUsMeasured(0.293 * 600, 200_000 * 600, 25) - 36.625) < 1e-9);
});

test('the plan pays heartbeats before fan-out and accepts, and refuses a server whose heartbeats take every core', () => {
  const fig = (p: ReturnType<typeof makePlan>, name: string) => p.figures.find((f) => f.name === name)!.value;
  // without typing and receipts, so fan-out is the messages' alone (test/calculators/ephemeral.test.ts adds them)
  const base = { cores_per_server: 2, fd_limit: 100_000, usable_ram_gib: 64, heartbeat_s: 25, heartbeat_us: 100, writes_per_core_per_sec: 100_000, typing_per_msg: 0, receipts_per_delivery: 0 };
  const p = makePlan(planInputs(base));
  assert.equal(fig(p, 'heartbeat round trips per second per server'), 4000);
  assert.equal(fig(p, 'heartbeat CPU per server (every connection idle)'), 0.4);
  // peak = 20M users × 30 msgs / 86,400 × 3 = 20,833.3 msgs/s; × 49 writes; over 100,000 × (2 − 0.4) cores
  assert.equal(fig(p, 'servers by fan-out CPU at peak'), Math.ceil(((20_000_000 * 30) / 86_400) * 3 * 49 / (100_000 * 1.6)));
  const rarer = makePlan(planInputs({ ...base, heartbeat_s: 50 }));
  assert.equal(fig(rarer, 'heartbeat CPU per server (every connection idle)'), 0.2);
  assert.throws(() => makePlan(planInputs({ ...base, heartbeat_us: 500 })), /heartbeats alone take 2 cores of a 2-core server.*raise heartbeat_s/);
});

/** a --serve run: `ramp` seconds of arrivals up to `n` sockets, then `hold` idle seconds, then the sockets close */
function run(o: { n: number; ramp: number; hold: number; rampCpu: number; idleCpu: number; args?: string[] }): RunResult {
  const timeline = [], samples = [];
  const end = o.ramp + o.hold;
  for (let t = 0; t <= end + 2; t++) {
    const connected = t > end ? 0 : Math.min(o.n, Math.round((o.n * t) / o.ramp));
    timeline.push({ t, connected, sent: 0, received: 0, reconnects: 0, connect_errors: 0, arriving: t < o.ramp ? o.n / o.ramp : 0, rejected: 0 });
    if (t > 0) samples.push({ t, pid: 1, cpu_pct: t <= o.ramp ? o.rampCpu : o.idleCpu, rss_bytes: 0 });
  }
  return { scenario: { serve: { args: o.args ?? [], nodes: 1 } }, timeline, server: { samples, peak_rss_bytes: 0, note: '' } } as unknown as RunResult;
}

test('calibration reads heartbeat CPU from the idle stretch only, from one interval after the ramp', () => {
  // 10,000 sockets, 2 s interval: 5,000 round trips/s; 10% of a core idle: 20 µs each; the ramp's 90% must not count
  const hb = calibrateHeartbeat(run({ n: 10_000, ramp: 10, hold: 40, rampCpu: 90, idleCpu: 10, args: ['--heartbeat-ms', '2000'] }));
  assert.ok(typeof hb !== 'string', String(hb));
  assert.equal(hb.heartbeatS, 2);
  assert.equal(hb.idleS, 38, 'the first interval after the last arrival is left out');
  assert.ok(Math.abs(hb.us - 20) < 1e-9, `${hb.us}`);
  // bfg serve's default interval when the run's serve.args do not set one
  const d = calibrateHeartbeat(run({ n: 10_000, ramp: 10, hold: 200, rampCpu: 90, idleCpu: 10 }));
  assert.ok(typeof d !== 'string' && d.heartbeatS === 25 && Math.abs(d.us - 250) < 1e-9);
});

test('calibration without a long enough idle stretch or without CPU samples says why', () => {
  const short = calibrateHeartbeat(run({ n: 1000, ramp: 10, hold: 60, rampCpu: 90, idleCpu: 10 }));
  assert.match(String(short), /no idle stretch of at least 4 heartbeat intervals \(100 s\).*35 s found/);
  const r = run({ n: 1000, ramp: 10, hold: 60, rampCpu: 90, idleCpu: 10 });
  delete r.server;
  assert.match(String(calibrateHeartbeat(r)), /no gateway CPU samples \(run bfg load with --serve\)/);
});
