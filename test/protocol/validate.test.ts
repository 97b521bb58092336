import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIMITS, validateClientFrame } from '../../protocol/validate.js';

test('valid frames of every op pass, and send/dm count body + meta bytes', () => {
  for (const f of [{ op: 'join', room: 'r', after: 3, epoch: 'e' }, { op: 'leave', room: 'r' }, { op: 'presence', users: ['a', 'b'] }]) {
    const c = validateClientFrame(f);
    assert.ok(c.ok, JSON.stringify(f));
    assert.equal(c.ok && c.bytes, 0);
  }
  const s = validateClientFrame({ op: 'send', room: 'r', id: '1', body: 'héllo', meta: { a: 1 } });
  assert.ok(s.ok);
  assert.equal(s.ok && s.bytes, Buffer.byteLength('héllo') + Buffer.byteLength('{"a":1}'));
  const d = validateClientFrame({ op: 'dm', to: 'bob', id: '2', body: new Uint8Array(4) });
  assert.equal(d.ok && d.bytes, 4);
});

test('bad frames are refused with a code, the send id as ref, and never a throw', () => {
  const cases: [unknown, string][] = [
    [null, 'bad_frame'], [[1], 'bad_frame'], [{}, 'bad_frame'], [{ op: 'fly', id: 'x' }, 'unknown_op'],
    [{ op: 'join' }, 'bad_frame'], [{ op: 'join', room: '' }, 'bad_frame'], [{ op: 'join', room: '@alice' }, 'bad_frame'],
    [{ op: 'join', room: 'r', after: -1 }, 'bad_frame'], [{ op: 'send', room: 'r', id: 'm1' }, 'bad_frame'],
    [{ op: 'send', room: 'r', id: 'x'.repeat(LIMITS.idChars + 1), body: 'b' }, 'bad_frame'],
    [{ op: 'presence', users: Array.from({ length: LIMITS.presenceUsers + 1 }, (_, i) => `u${i}`) }, 'bad_frame'],
  ];
  for (const [v, code] of cases) {
    const c = validateClientFrame(v);
    assert.equal(c.ok, false, JSON.stringify(v)?.slice(0, 80));
    assert.equal(!c.ok && c.code, code, JSON.stringify(v)?.slice(0, 80));
  }
  const r = validateClientFrame({ op: 'send', room: 'r', id: 'm1' });
  assert.equal(!r.ok && r.ref, 'm1', 'a refused send names its id');
});

test('meta deeper or larger than the limits is refused', () => {
  let deep: unknown = 1;
  for (let i = 0; i <= LIMITS.metaDepth; i++) deep = { a: deep };
  assert.equal(validateClientFrame({ op: 'send', room: 'r', id: '1', body: 'b', meta: deep }).ok, false);
  const wide = Object.fromEntries(Array.from({ length: LIMITS.metaValues + 1 }, (_, i) => [`k${i}`, i]));
  assert.equal(validateClientFrame({ op: 'send', room: 'r', id: '1', body: 'b', meta: wide }).ok, false);
});
