import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, medianInterval } from '../../bench/stats.js';

test('median is the middle value, the upper one of an even count', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 3);
});

test('medianInterval: the sign test’s order statistics and their coverage', () => {
  // 5 rounds: only [min..max] reaches 90%: 1 - 2/32
  assert.deepEqual(medianInterval([0.95, 1.13, 0.92, 0.93, 0.99]), { lo: 0.92, hi: 1.13, coverage: 1 - 2 / 32 });
  // 8 rounds: the 2nd smallest to the 2nd largest, 1 - 2 * 9/256; one high round does not decide it
  const r8 = medianInterval([1.13, 0.99, 0.92, 0.93, 0.95, 0.94, 0.9, 0.96]);
  assert.deepEqual(r8, { lo: 0.92, hi: 0.99, coverage: 1 - (2 * 9) / 256 });
  // 9 rounds: still k = 2 (k = 3 covers only 82%)
  assert.equal(medianInterval([1, 2, 3, 4, 5, 6, 7, 8, 9]).hi, 8);
  // 17 rounds at 90%: k = 5, P(B <= 4) = 3214/131072
  const r17 = medianInterval(Array.from({ length: 17 }, (_, i) => i));
  assert.deepEqual([r17.lo, r17.hi], [4, 12]);
  assert.ok(Math.abs(r17.coverage - (1 - (2 * 3214) / 131072)) < 1e-12);
  // too few rounds for 90%: [min..max] with the coverage it has
  assert.deepEqual(medianInterval([2, 1, 3]), { lo: 1, hi: 3, coverage: 0.75 });
  // the input is not reordered
  const xs = [3, 1, 2];
  medianInterval(xs);
  assert.deepEqual(xs, [3, 1, 2]);
});
