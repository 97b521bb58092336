/** The coordinator's split and its edge: users in whole rooms by capacity, and a run without a target refused. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runLoad, split } from '../../../loadgen/run/coordinator.js';
import { loadScenario } from '../../../loadgen/scenario/scenario.js';
import { BfgError } from '../../../protocol/index.js';

test('users are split at room boundaries, in proportion to each agent\'s capacity', () => {
  const s = loadScenario('scenarios/room-fanout.yaml', ['users=1000', 'rooms.size=50']);
  const even = split(s, 4);
  assert.deepEqual(even, [[0, 250], [250, 500], [500, 750], [750, 1000]].map(([a, b]) => [Math.floor(a / 50) * 50, Math.floor(b / 50) * 50]));
  for (const [first, end] of split(s, 3, [1, 2, 1])) assert.equal(first % 50, 0, `${first}..${end} starts on a room`);
  const weighted = split(s, 3, [1, 2, 1]);
  assert.equal(weighted.at(-1)![1], 1000, 'every user placed');
  assert.ok(weighted[1][1] - weighted[1][0] > weighted[0][1] - weighted[0][0], 'the larger agent takes more');
  assert.equal(split(s, 100).length, 20, 'no more agents than rooms');
});

test('a run with no target anywhere is refused, naming the fix', async () => {
  const s = loadScenario('scenarios/smoke.yaml');
  await assert.rejects(runLoad({ scenario: s, progress: false, log: () => {} }), (e: BfgError) => e.code === 'bad_option' && /--target/.test(e.message));
});
