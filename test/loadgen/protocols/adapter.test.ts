import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pathGet, readStamp, setPath } from '../../../loadgen/protocols/adapter.js';

test('dotted paths read and write nested values, and a missing step reads undefined', () => {
  const o: Record<string, unknown> = {};
  setPath(o, ['a', 'b', 'c'], 7);
  assert.deepEqual(o, { a: { b: { c: 7 } } });
  assert.equal(pathGet(o, ['a', 'b', 'c']), 7);
  assert.equal(pathGet(o, ['a', 'x', 'c']), undefined);
  assert.equal(pathGet(5, ['a']), undefined);
});

test('a stamp is read back only when it is ours; k and i default to n and t', () => {
  assert.deepEqual(readStamp({ s: 1, n: 2, k: 3, i: 4, t: 5 }), { s: 1, n: 2, k: 3, i: 4, t: 5 });
  assert.deepEqual(readStamp({ s: 1, n: 2, t: 5 }), { s: 1, n: 2, k: 2, i: 5, t: 5 });
  assert.equal(readStamp({ s: '1', n: 2, t: 5 }), undefined);
  assert.equal(readStamp(null), undefined);
  assert.equal(readStamp('x'), undefined);
});
