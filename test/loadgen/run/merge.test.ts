import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyStats, type TimePoint } from '../../../loadgen/agent/result.js';
import { encodeHist, newHist } from '../../../loadgen/measure/histogram.js';
import { mergeStats, mergeTimelines, timeToRecoverMs } from '../../../loadgen/run/merge.js';

const point = (t: number, connected: number, received: number, lat?: number[]): TimePoint => {
  let enc: string | undefined;
  if (lat) {
    const h = newHist();
    for (const v of lat) h.recordValue(v);
    enc = encodeHist(h);
  }
  return { t, connected, sent: 0, received, reconnects: 0, connect_errors: 0, rejected: 0, arriving: 0, ...(enc ? { lat: enc } : {}) } as TimePoint;
};

test('stats add counter by counter, with closes and errors by key', () => {
  const a = emptyStats(), b = emptyStats();
  a.sent = 3; b.sent = 4; a.closes['1000'] = 2; b.closes['1000'] = 1; b.errors.x = 5; b.recovered_sessions = 2;
  const m = mergeStats([a, b]);
  assert.equal(m.sent, 7);
  assert.deepEqual(m.closes, { 1000: 3 });
  assert.deepEqual(m.errors, { x: 5 });
  assert.equal(m.recovered_sessions, 2);
});

test('timelines add per bucket and merge each bucket\'s latency exactly', () => {
  const tl = mergeTimelines([[point(0.1, 1, 10, [1000, 2000])], [point(0.1, 2, 5, [3000]), point(0.2, 2, 7)]]);
  assert.equal(tl.length, 2);
  assert.equal(tl[0].connected, 3);
  assert.equal(tl[0].received, 15);
  assert.equal(tl[0].p50_ms, 2);
  assert.equal(tl[1].received, 7);
});

test('time to recover: the first bucket after the storm with connections and delivery rate back', () => {
  const tl: TimePoint[] = [];
  let rcv = 0;
  for (let i = 1; i <= 60; i++) {
    const t = i / 10;
    const down = t > 2 && t <= 3; // the storm at 2 s: half gone for a second
    rcv += down ? 5 : 10;
    tl.push(point(t, down ? 50 : 100, rcv));
  }
  const ttr = timeToRecoverMs(tl, 2);
  assert.ok(ttr !== null && ttr >= 1000 && ttr <= 1400, `recovered ${ttr} ms after the storm`);
  assert.equal(timeToRecoverMs(tl.map((p) => ({ ...p, connected: p.t > 2 ? 10 : 100 })), 2), null, 'never back: null');
});
