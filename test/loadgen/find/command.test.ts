/** `bfg find`'s flags: refused at the edge with exit 2, before any step runs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBfg } from '../../helpers/cli.js';

test('a missing or unknown --vary is refused with exit 2', async () => {
  for (const args of [['find', 'scenarios/room-fanout.yaml', '--serve'], ['find', 'scenarios/room-fanout.yaml', '--serve', '--vary', 'moons']]) {
    const r = await runBfg(args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /vary/);
  }
});

test('a bad scenario is refused with exit 2 naming the field', async () => {
  const r = await runBfg(['find', 'scenarios/room-fanout.yaml', '--serve', '--vary', 'users', '--set', 'users=-5']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /bad_scenario/);
  assert.match(r.stderr, /users/);
});
