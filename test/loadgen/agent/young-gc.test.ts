import assert from 'node:assert/strict';
import { test } from 'node:test';
import { YOUNG_FULL_SHARE, YOUNG_LOOK_EVERY_MS, youngCollector, youngShare } from '../../../loadgen/agent/young-gc.js';

test('young collector: none without gc exposed; a minor collection only once the new space is full enough; one look per millisecond', () => {
  assert.equal(youngCollector(undefined), null);
  const calls: unknown[] = [];
  let share = YOUNG_FULL_SHARE - 0.01;
  const collect = youngCollector((o) => void calls.push(o), () => share)!;
  assert.equal(collect(100), false, 'below the share: no collection');
  share = YOUNG_FULL_SHARE;
  assert.equal(collect(100 + YOUNG_LOOK_EVERY_MS / 2), false, 'within a millisecond of the last look: not looked at');
  assert.equal(collect(100 + YOUNG_LOOK_EVERY_MS), true, 'full enough: collected');
  assert.deepEqual(calls, [{ type: 'minor' }]);
});

test('young share: the new space of this process, between 0 and 1, and it moves as the process allocates', () => {
  const s0 = youngShare();
  const keep: object[] = [];
  for (let i = 0; i < 2000; i++) keep.push({ i });
  const s1 = youngShare();
  for (const s of [s0, s1]) assert.ok(s > 0 && s <= 1, String(s));
  // filled, or emptied by a scavenge the allocation set off: either way not a constant
  assert.notEqual(s1, s0);
  assert.equal(keep.length, 2000);
});
