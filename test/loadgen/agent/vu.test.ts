import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Vu } from '../../../loadgen/agent/vu.js';
import { Spread } from '../../../loadgen/measure/spread.js';

test('a user tracks its group room in `main` and other rooms in a map made only when needed', () => {
  const vu = new Vu(1, 'u1', 'r', null as unknown as Spread);
  assert.equal(vu.has('r'), false);
  assert.equal(vu.dms, null);
  const t = vu.track('r', 5);
  assert.equal(vu.main, t);
  assert.equal(vu.track('r', 99), t, 'the same track again, its start unchanged');
  assert.equal(vu.dms, null, 'no map for the group room');
  const d = vu.track('dm:a:b', 0);
  assert.notEqual(d, t);
  assert.ok(vu.has('dm:a:b') && vu.has('r') && !vu.has('other'));
  assert.deepEqual([...vu.tracks()].map(([room]) => room), ['r', 'dm:a:b']);
});
