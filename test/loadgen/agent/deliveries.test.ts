/** The sink: deliveries into the ledger and the histograms, timed at the read that carried them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Deliveries } from '../../../loadgen/agent/deliveries.js';
import { emptyStats } from '../../../loadgen/agent/result.js';
import type { Traffic } from '../../../loadgen/agent/traffic.js';
import { Vu } from '../../../loadgen/agent/vu.js';
import { Ledger } from '../../../loadgen/measure/ledger.js';
import { Measurements } from '../../../loadgen/measure/measurements.js';
import type { Adapter } from '../../../loadgen/protocols/index.js';
import { testPlan } from '../../helpers/plan.js';

function setup(measureFrom = 0) {
  const plan = testPlan(['users=2', 'rooms.size=2']);
  const m = new Measurements(0, 100);
  const vus = [new Vu(0, 'u0', 'r', m.spread('r')), new Vu(1, 'u1', 'r', m.spread('r'))];
  const ledger = new Ledger(), stats = emptyStats();
  const d = new Deliveries({ plan, vus, ledger, stats, m, measureFrom });
  const joins: string[] = [];
  d.proto = { join: (_v, room, after) => void joins.push(`${room}:${after ?? '-'}`) } as Adapter;
  const acks: string[] = [];
  d.traffic = { acked: (_v: Vu, id: string) => void acks.push(id), failed: (ref: string) => void acks.push(`failed ${ref}`) } as unknown as Traffic;
  return { d, m, vus, ledger, stats, joins, acks };
}

test('a sequenced delivery counts once, its latency is the read time minus the write time, a repeat is a duplicate', () => {
  const { d, m, vus, ledger } = setup();
  d.joined(vus[1], 'r', 0, 0, 'e');
  d.message(vus[1], 'r', 1, { s: 0, n: 1, k: 1, i: 99, t: 100 }, 104.5);
  d.message(vus[1], 'r', 1, { s: 0, n: 1, k: 1, i: 99, t: 100 }, 105);
  assert.equal(ledger.counts.delivered, 1);
  assert.equal(ledger.counts.duplicated, 1);
  assert.equal(m.every.totalCount, 1);
  assert.ok(Math.abs(m.every.maxValue - 4500) <= 5, `4.5 ms recorded as ${m.every.maxValue} µs`);
  assert.equal(m.intended.totalCount, 1);
  assert.equal(d.received, 2);
  m.destroy();
});

test('messages meant before the warm-up ends are counted but not timed', () => {
  const { d, m, vus, ledger } = setup(1000);
  d.joined(vus[1], 'r', 0, 0, 'e');
  d.message(vus[1], 'r', 1, { s: 0, n: 1, k: 1, i: 500, t: 501 }, 510);
  assert.equal(ledger.counts.delivered, 1);
  assert.equal(m.every.totalCount, 0);
  m.destroy();
});

test('a ready session joins its rooms (resuming where it was), acks and errors go to the traffic, and errors are counted by code', () => {
  const { d, vus, stats, joins, acks } = setup();
  d.ready(vus[0]);
  assert.deepEqual(joins, ['r:-']);
  d.joined(vus[0], 'r', 0, 7, 'e');
  vus[0].main!.last = 9;
  d.ready(vus[0]);
  assert.deepEqual(joins, ['r:-', 'r:9'], 'a reconnect resumes after the last seq it had');
  d.acked(vus[0], 'm1', 3);
  d.error(vus[0], 'rate_limited', '0:7');
  assert.deepEqual(acks, ['m1', 'failed 0:7']);
  assert.equal(stats.errors.rate_limited, 1);
  d.undecodable();
  assert.equal(stats.errors.undecodable, 1);
});
