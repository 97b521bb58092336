/** Sends on schedule: a task per room at its rate, each message stamped, acked or failed by its id. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyStats } from '../../../loadgen/agent/result.js';
import { Traffic, periodic } from '../../../loadgen/agent/traffic.js';
import { Vu } from '../../../loadgen/agent/vu.js';
import { Ledger } from '../../../loadgen/measure/ledger.js';
import { Measurements } from '../../../loadgen/measure/measurements.js';
import type { Adapter, Stamp } from '../../../loadgen/protocols/index.js';
import { testPlan } from '../../helpers/plan.js';

test('a periodic task acts at each due time until its end, then never again', () => {
  const seen: number[] = [];
  const t = periodic(100, 130, () => 10, (at) => void seen.push(at));
  while (t.next !== Infinity) t.fire(t.next);
  assert.deepEqual(seen, [100, 110, 120]);
});

test('each room sends from an open, joined member with a stamp; an ack counts and moves the room\'s head, an error fails it', () => {
  // started in the past, so the first sends are due now
  const plan = { ...testPlan(['users=4', 'rooms.size=2', 'messages.rate_per_room=10', 'duration_s=10', 'send_after_s=0']), t0: Date.now() - 1000 };
  const m = new Measurements(plan.t0, 100);
  const vus = [0, 1, 2, 3].map((i) => new Vu(i, `u${i}`, `room${i >> 1}`, m.spread(`room${i >> 1}`)));
  for (const v of vus) Object.assign(v, { isOpen: true, joined: true });
  const rooms = new Map([['room0', vus.slice(0, 2)], ['room1', vus.slice(2)]]);
  const sent: { room: string; id: string; stamp: Stamp }[] = [];
  const p = {
    plan, vus, stats: emptyStats(), ledger: new Ledger(), m, sentRooms: new Set<string>(), heads: new Map<string, number>(), rooms, stamps: null,
    proto: { publish: (_v: Vu, room: string, id: string, stamp: Stamp) => void sent.push({ room, id, stamp: { ...stamp } }) } as unknown as Adapter,
  };
  const traffic = new Traffic(p);
  const tasks = traffic.tasks();
  assert.equal(tasks.length, 2, 'one task per room');
  for (const t of tasks) t.fire(t.next);
  assert.deepEqual(sent.map((x) => x.room).sort(), ['room0', 'room1']);
  const first = sent.find((x) => x.room === 'room0')!;
  assert.equal(first.stamp.k, 1, 'the room\'s first send');
  assert.ok(first.stamp.t >= first.stamp.i, 'written at or after its intended time');
  const sender = vus[first.stamp.s];
  traffic.acked(sender, first.id, 7);
  assert.equal(p.stats.acked, 1);
  assert.equal(p.heads.get('room0'), 7);
  const other = sent.find((x) => x.room === 'room1')!;
  traffic.failed(other.id);
  traffic.failed(other.id);
  assert.equal(p.stats.send_errors, 1, 'a send fails once');
  assert.equal(p.stats.sent, 2);
  m.destroy();
});

test('sends meant during the warm-up leave no send-lag sample, as they leave no latency sample', () => {
  const plan = testPlan(['users=2', 'rooms.size=2', 'messages.rate_per_room=10', 'duration_s=10', 'send_after_s=0']);
  const m = new Measurements(plan.t0, 100);
  const vus = [0, 1].map((i) => Object.assign(new Vu(i, `u${i}`, 'room0', m.spread('room0')), { isOpen: true, joined: true }));
  const p = {
    plan, vus, stats: emptyStats(), ledger: new Ledger(), m, sentRooms: new Set<string>(), heads: new Map<string, number>(),
    rooms: new Map([['room0', vus]]), stamps: null, measureFrom: plan.t0 + 5000,
    proto: { publish: () => {} } as unknown as Adapter,
  };
  const [task] = new Traffic(p).tasks();
  task.fire(task.next); // intended at t0: warm-up
  assert.equal(p.stats.sent, 1);
  assert.equal(m.lag.totalCount, 0);
  task.next = plan.t0 + 6000;
  task.fire(task.next);
  assert.equal(m.lag.totalCount, 1);
  m.destroy();
});
