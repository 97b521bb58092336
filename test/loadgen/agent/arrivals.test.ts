import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arrivals } from '../../../loadgen/agent/arrivals.js';
import type { AgentPlan } from '../../../loadgen/agent/plan.js';
import { rateAt, segments, usersAt } from '../../../loadgen/agent/stages.js';
import type { Vu } from '../../../loadgen/agent/vu.js';
import { runLoad } from '../../../loadgen/run/coordinator.js';
import { parseScenario } from '../../../loadgen/scenario/scenario.js';
import { BfgError } from '../../../protocol/index.js';
import { startGateway } from '../../helpers/gateway.js';

test('stages: linear ramps between stage targets, holds, and rates that carry over', () => {
  const segs = segments([{ duration_s: 10, users: 100 }, { duration_s: 5 }, { duration_s: 5, users: 0, rate_per_room: 4 }], 2);
  assert.deepEqual([0, 5, 10, 12.5, 15, 17.5, 20, 30].map((t) => usersAt(segs, t)), [0, 50, 100, 100, 100, 50, 0, 0]);
  assert.deepEqual([0, 15, 17.5, 20].map((t) => rateAt(segs, t)), [2, 2, 3, 4]);
});

/** fires an arrival task to its end, recording the intended time of every arrival */
function drive(scenario: Record<string, unknown>, users: number): number[] {
  const s = parseScenario({ name: 'a', users, ...scenario });
  const vus = Array.from({ length: users }, () => ({ state: 'new', sock: null }) as unknown as Vu);
  const times: number[] = [];
  const task = arrivals({ plan: { scenario: s, t0: 0 } as unknown as AgentPlan, vus, connect: () => void times.push(task.next) });
  for (let i = 0; i < 1e6 && task.next !== Infinity; i++) task.fire(task.next);
  return times;
}

test('arrivals: Poisson inter-arrival times pass a dispersion check (CV ≈ 1, counts per window with variance ≈ mean); uniform ones do not vary', () => {
  const cv = (xs: number[]) => {
    const gaps = xs.slice(1).map((x, i) => x - xs[i]);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length);
    return { mean, cv: sd / mean };
  };
  const p = drive({ arrival_rate: 1000, process: 'poisson' }, 20_000);
  const pc = cv(p);
  assert.ok(Math.abs(pc.mean - 1) < 0.05, `mean gap ${pc.mean} ms for 1000/s`);
  assert.ok(pc.cv > 0.95 && pc.cv < 1.05, `coefficient of variation ${pc.cv} (exponential gaps: 1)`);
  // index of dispersion of counts in 10 ms windows: 1 for a Poisson process
  const counts = new Map<number, number>();
  for (const t of p) counts.set(Math.floor(t / 10), (counts.get(Math.floor(t / 10)) ?? 0) + 1);
  const windows = Math.floor(p[p.length - 1] / 10);
  const c = Array.from({ length: windows }, (_, i) => counts.get(i) ?? 0);
  const m = c.reduce((a, b) => a + b, 0) / c.length;
  const v = c.reduce((a, b) => a + (b - m) ** 2, 0) / c.length;
  assert.ok(v / m > 0.85 && v / m < 1.15, `index of dispersion ${v / m}`);
  const u = cv(drive({ arrival_rate: 1000 }, 5000));
  assert.ok(u.cv < 1e-6, `uniform arrivals are evenly spaced (cv ${u.cv})`);
  // staged Poisson arrivals follow the ramp's rate: 2,000 users over 4 s
  const staged = drive({ stages: [{ duration_s: 4, users: 2000 }], process: 'poisson' }, 2000);
  assert.ok(Math.abs(staged.length - 2000) <= 150, `${staged.length} arrivals for a ramp to 2,000`);
});

test('a staged scenario reaches each stage\'s users (±2%) at the stage\'s end, closes sockets on the ramp down, and sends at each stage\'s rate', async () => {
  const g = await startGateway({ msgRate: 1000, msgBurst: 1000 });
  try {
    const stages = [
      { duration_s: 1.5, users: 100, rate_per_room: 0 }, // ramp, no traffic
      { duration_s: 1, rate_per_room: 4 }, // the rate ramps to 4/s per room
      { duration_s: 2 }, // hold: 100 users, 4/s per room
      { duration_s: 0.5, users: 150 }, // spike
      { duration_s: 1, users: 50 }, // ramp down: 100 sockets closed
      { duration_s: 1 }, // hold
    ];
    const s = parseScenario({ name: 'staged', stages, rooms: { size: 10 }, drain_s: 0.5, timeline_ms: 100, messages: { rate_per_room: 0 } });
    assert.equal(s.users, 150, 'the pool is the largest stage');
    assert.equal(s.duration_s, 7);
    // onStart gives the run's t = 0 on this host: the gateway, read then + 0.75 s, is half way up the first ramp
    const starts: number[] = [];
    let mid!: Promise<number>;
    const onStart = (t0: number) => {
      starts.push(t0);
      mid = new Promise((res) => setTimeout(() => res(g.gw.hub.size), t0 + 750 - Date.now()));
    };
    const r = await runLoad({ scenario: s, target: g.url, progress: false, log: () => {}, onStart });
    assert.equal(starts.length, 1);
    const half = await mid;
    assert.ok(half >= 35 && half <= 65, `${half} sessions on the gateway at t0 + 0.75 s, half way up a ramp to 100 over 1.5 s`);
    const point = (sec: number) => r.timeline.find((p) => Math.abs(p.t - sec) < 1e-6)!;
    for (const [sec, want] of [[1.5, 100], [4.5, 100], [5, 150], [6, 50], [7, 50]]) {
      const got = point(sec).connected;
      assert.ok(Math.abs(got - want) <= Math.max(1, want * 0.02), `${got} connected at ${sec} s, stage target ${want}`);
    }
    assert.equal(r.stats.peak_connections, 150);
    assert.ok((r.stats.closes['1000'] ?? 0) >= 100, `ramp-down closed sockets cleanly (${JSON.stringify(r.stats.closes)})`);
    assert.equal(r.stats.reconnects, 0, 'a retired user does not reconnect');
    // the message rate follows its stages: none before 1.5 s, 0 -> 4/s over the next second, then 4/s
    assert.equal(point(1.5).sent, 0);
    const ramp = point(2.5).sent - point(1.5).sent, hold = point(4.5).sent - point(2.5).sent;
    assert.ok(ramp >= 10 && ramp <= 30, `${ramp} sends while the rate ramped 0 -> 4/s in 10 rooms (20 on average)`);
    assert.ok(Math.abs(hold - 80) <= 10, `${hold} sends in 2 s at 4/s in 10 rooms (80)`);
    assert.equal(r.ledger.lost, 0);
    assert.equal(r.ledger.backfilled, 0, 'a retired user is not expected to get what was sent after it left');
    assert.equal(r.ledger.expected, r.ledger.delivered);
  } finally {
    await g.gw.close();
  }
});

test('stages: a pool smaller than the largest stage, or a duration that disagrees, is refused by name', () => {
  assert.throws(() => parseScenario({ name: 'x', users: 10, stages: [{ duration_s: 1, users: 20 }] }), (e: unknown) => e instanceof BfgError && /\/users: 10 is fewer than the largest stage \(20\)/.test(e.message));
  assert.throws(() => parseScenario({ name: 'x', duration_s: 3, stages: [{ duration_s: 1, users: 20 }] }), /\/duration_s: 3 differs from the stages' total 1 s/);
  assert.throws(() => parseScenario({ name: 'x' }), /\/users: required \(or give stages\)/);
});
