import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeHist, percentiles } from '../../../loadgen/measure/histogram.js';
import { Measurements, PROM_BUCKETS_S } from '../../../loadgen/measure/measurements.js';

const counters = { connected: 1, sent: 2, received: 3, reconnects: 0, connect_errors: 0, rejected: 0, arriving: 0 };

test('deliveries go into the run histogram, the bucket in progress and the Prometheus buckets', () => {
  const m = new Measurements(1000, 100);
  m.delivered(1.5, 2.5);
  m.delivered(30, undefined);
  assert.equal(m.every.totalCount, 2);
  assert.equal(m.intended.totalCount, 1, 'only the stamp with an intended time');
  const b = m.sample(1100, counters);
  assert.equal(b.t, 0.1, 'named by its scheduled end, in seconds from t0');
  assert.equal(percentiles(decodeHist(b.lat!)).count, 2);
  const p = m.prom();
  assert.equal(p.lat.counts.reduce((a, x) => a + x, 0), 2);
  assert.equal(p.lat.counts[PROM_BUCKETS_S.indexOf(0.002)], 1, '1.5 ms falls in the 2 ms bucket');
  assert.equal(p.lat.counts[PROM_BUCKETS_S.indexOf(0.05)], 1, '30 ms in the 50 ms bucket');
  assert.ok(Math.abs(p.lat.sum_s - 0.0315) < 1e-9);
  m.destroy();
});

test('a final sample in the bucket already closed replaces it and keeps its latencies', () => {
  const m = new Measurements(0, 100);
  m.delivered(1, undefined);
  m.sample(100, counters);
  m.delivered(2, undefined);
  const last = m.sample(120, { ...counters, sent: 9 });
  assert.equal(m.timeline.length, 1, 'no second point for the same bucket');
  assert.equal(last.sent, 9);
  assert.equal(percentiles(decodeHist(last.lat!)).count, 2);
  const empty = m.sample(300, counters);
  assert.equal(empty.lat, undefined, 'a bucket without deliveries carries no histogram');
  m.destroy();
});
