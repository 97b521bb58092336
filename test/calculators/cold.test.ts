import assert from 'node:assert/strict';
import { test } from 'node:test';
import { archiveLag, coldBytesPerDay, coldBytesRetained, coldNodes, coldWritesPerSec, partitionBytes, partitionsPerDay } from '../../calculators/cold.js';
import { makePlan } from '../../calculators/plan.js';
import { planInputs } from '../../calculators/inputs.js';

test('cold tier formulas: writes, bytes, partitions', () => {
  assert.equal(coldWritesPerSec(1000, 3), 3000);
  assert.equal(coldBytesPerDay(1_000_000, 440, 60, 3), 1_500_000_000);
  assert.equal(coldBytesRetained(10, 365), 3650);
  assert.equal(partitionsPerDay(2048, 1024), 2);
  assert.equal(partitionBytes(440, 60, 1024), 512_000);
});

test('Cassandra nodes: the larger of write throughput and disk binds, and says which', () => {
  assert.deepEqual(coldNodes(100_000, 20_000, 1, 1e12, 0.5), { nodes: 5, binding: 'write throughput', byWrites: 5, byDisk: 1 });
  assert.deepEqual(coldNodes(1000, 20_000, 10e12, 1e12, 0.5), { nodes: 20, binding: 'disk', byWrites: 1, byDisk: 20 });
});

test('archive lag: workers needed, and the queue an hour of peak leaves with too few', () => {
  assert.deepEqual(archiveLag(9000, 5000, 2), { workersNeeded: 2, lagGrowthPerSec: 0, lagAfterPeakHourMsgs: 0, lagAfterPeakHourS: 0 });
  const short = archiveLag(12_000, 5000, 2);
  assert.equal(short.workersNeeded, 3);
  assert.equal(short.lagGrowthPerSec, 2000);
  assert.equal(short.lagAfterPeakHourMsgs, 7_200_000);
});

test('bfg plan carries the cold tier figures and their binding constraint; bad cold inputs are named', () => {
  const p = makePlan(planInputs({ daily_users: 1_000_000, msgs_per_user_per_day: 100, cold_retention_days: 30 }));
  const names = p.figures.map((f) => f.name);
  for (const n of ['cold tier: replica writes per second at peak', 'cold tier: bytes per day (with replication)', 'cold tier: Cassandra nodes', 'archive workers needed at peak']) assert.ok(names.includes(n), n);
  assert.ok(['disk', 'write throughput'].includes(p.binding.cold));
  assert.throws(() => planInputs({ cold_replication: 0, cold_disk_fill: -1 }), /cold_replication[\s\S]*cold_disk_fill/);
});

test('a bench:archive result calibrates the worker rate (measured, with where it came from); anything else leaves the model', async () => {
  const { calibrateArchive } = await import('../../calculators/calibrate.js');
  const bench = { schema: 'bfg.bench.v1' as const, bench: 'archive', date: 'D1', build: 'abc', machine: { cpu: 'X', cores: 2 },
    figures: [{ name: 'archive worker: messages written to Cassandra per second (draining a backlog)', value: 12_345, unit: 'msgs/s', method: 'one worker' }] };
  const cal = calibrateArchive(bench, 'archive.json');
  assert.equal(cal.values.archive_msgs_per_worker_per_sec, 12_345);
  assert.match(cal.sources.archive_msgs_per_worker_per_sec!.note, /bench:archive D1, build abc, X x2: one worker/);
  const other = calibrateArchive({ ...bench, bench: 'bus' }, 'bus.json');
  assert.deepEqual(other.values, {});
  assert.match(other.notes[0], /not a bench:archive result/);
});
