import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ledger, Track } from '../../../loadgen/measure/ledger.js';
import { encodeHist, mergeHists, newHist, percentiles } from '../../../loadgen/measure/histogram.js';
import { rng } from '../../helpers/fuzz.js';

test('the ledger classes in-order, gaps, late arrivals, duplicates and own messages', () => {
  const L = new Ledger();
  const t = new Track(0);
  for (const s of [1, 2, 4, 3, 5, 5]) L.receive(t, s);
  L.own(t, 6);
  L.receive(t, 7);
  L.receive(t, 9);
  L.close(t, 10, new Map([[8, 'someone']]), 'me');
  assert.deepEqual(L.counts, { expected: 9, delivered: 7, lost: 1, duplicated: 1, reordered: 1, backfilled: 1, recovered: 0 });
});

test('a gap that is the receiver\'s own unacked message is neither expected nor lost', () => {
  const L = new Ledger();
  const t = new Track(0);
  L.receive(t, 1);
  L.receive(t, 3);
  L.close(t, 3, new Map([[2, 'me']]), 'me');
  assert.equal(L.counts.lost, 0);
  assert.equal(L.counts.expected, 2);
});

test('histograms of two agents merge to the same percentiles as one agent fed the same samples', () => {
  const rand = rng(3);
  const one = newHist(), a = newHist(), b = newHist();
  for (let i = 0; i < 50_000; i++) {
    const v = Math.round(1 + rand() ** 4 * 200_000);
    one.recordValue(v);
    (i % 3 ? a : b).recordValue(v);
  }
  assert.deepEqual(percentiles(mergeHists([encodeHist(a), encodeHist(b)])), percentiles(mergeHists([encodeHist(one)])));
  assert.equal(percentiles(one).count, 50_000);
});
