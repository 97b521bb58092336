import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyStats } from '../../../loadgen/agent/result.js';
import { mergeStats } from '../../../loadgen/run/merge.js';

test('each agent starts from its own zeroed stats, and the coordinator adds ephemeral counts exactly', () => {
  const a = emptyStats(), b = emptyStats();
  a.errors.shed = 3;
  a.closes['1000'] = 1;
  assert.deepEqual(b.errors, {}, 'no map shared between agents');
  assert.deepEqual(b.closes, {});
  assert.equal(b.ephemeral_sent, undefined, 'no ephemeral counts until a user sends one');
  a.ephemeral_sent = { typing: 5, read: 2 };
  b.ephemeral_sent = { typing: 1, read: 0 };
  b.ephemeral_received = { typing: 7, read: 1 };
  const m = mergeStats([a, b]);
  assert.deepEqual(m.ephemeral_sent, { typing: 6, read: 2 });
  assert.deepEqual(m.ephemeral_received, { typing: 7, read: 1 });
  assert.equal(m.errors.shed, 3);
});
