import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RANK, Scheduler, type Task } from '../../../loadgen/agent/scheduler.js';
import { nowMs } from '../../../loadgen/measure/clock.js';

/** runs `tasks` (each fires once) and resolves with the names in the order they fired */
function runAll(tasks: { name: string; at: number; rank?: number; coarse?: boolean }[]): Promise<string[]> {
  const s = new Scheduler();
  const order: string[] = [];
  return new Promise((resolve) => {
    for (const x of tasks) {
      const t: Task = { next: x.at, rank: x.rank, coarse: x.coarse, fire() { this.next = Infinity; order.push(x.name); if (order.length === tasks.length) { s.stop(); resolve(order); } } };
      s.add(t);
    }
  });
}

test('scheduler: tasks run in due order; at an equal due time sends, then the bucket, then a fault, whatever the heap holds', async () => {
  // every heap shape from 0 to 12 other tasks, the bucket added before and after the storm due with it
  for (let n = 0; n <= 12; n++) {
    for (const bucketFirst of [false, true]) {
      const t0 = nowMs() + 10;
      const sends = Array.from({ length: n }, (_, i) => ({ name: `send${i}`, at: t0 + (i % 3) * 5, rank: RANK.send }));
      const storm = { name: 'storm', at: t0 + 5 }, bucket = { name: 'bucket', at: t0 + 5, rank: RANK.bucket };
      const tasks = bucketFirst ? [bucket, ...sends, storm] : [storm, ...sends, bucket];
      const order = await runAll([...tasks, { name: 'late', at: t0 + 20, coarse: true }]);
      const where = `n=${n}, bucket added ${bucketFirst ? 'first' : 'last'}: ${order.join(' ')}`;
      assert.ok(order.indexOf('bucket') < order.indexOf('storm'), `the bucket closes before the storm due with it (${where})`);
      for (const x of sends.filter((x) => x.at === bucket.at)) assert.ok(order.indexOf(x.name) < order.indexOf('bucket'), `${x.name} due with the bucket goes before it (${where})`);
      const due = (name: string) => (name === 'late' ? 20 : name === 'storm' || name === 'bucket' ? 5 : (Number(name.slice(4)) % 3) * 5);
      for (let i = 1; i < order.length; i++) assert.ok(due(order[i - 1]) <= due(order[i]), `due order (${where})`);
    }
  }
});

test('scheduler: the young generation is collected only in a gap before the next send, never in its last stretch', async () => {
  const looks: number[] = [];
  let gcs = 0;
  // a collector that collects at every look: where it is called is what is checked. The tasks fire in
  // order, so the next one due is always the first not yet fired
  const t0 = nowMs() + 10;
  const fired: number[] = [];
  const s = new Scheduler({ idleGapMs: 5, collect: (now) => { looks.push(t0 + fired.length * 8 - now); gcs++; return true; } });
  await new Promise<void>((resolve) => {
    for (let i = 0; i < 10; i++) s.once(t0 + i * 8, (now) => { fired.push(now); if (fired.length === 10) resolve(); });
  });
  s.stop();
  assert.ok(looks.length > 0, 'the gaps between sends were used');
  for (const gap of looks) assert.ok(gap >= 5, `called ${gap.toFixed(2)} ms before the next send: must be 5 ms (the idle gap) or more`);
  assert.equal(s.youngGcs, gcs);
  assert.ok(s.collects);
  assert.equal(new Scheduler().collects, false);
});
