import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeClientFrame, encodeFrame, dmRoom, roomAllowed } from '../../protocol/index.js';
import { fuzzFrame, rng } from '../helpers/fuzz.js';

test('valid frames decode in every format', () => {
  const f = { op: 'send', room: 'r', id: '1', body: 'hi', meta: { a: 1 } } as const;
  for (const fmt of ['json', 'msgpack', 'proto'] as const) {
    const r = decodeClientFrame(encodeFrame(f, fmt), fmt !== 'json', fmt);
    assert.ok(r.ok);
    assert.deepEqual(r.frame, f);
  }
});

test('errors name the field and carry the message id as ref', () => {
  const r = decodeClientFrame(Buffer.from('{"op":"send","room":"r","id":"m7","body":5}'), false, 'json');
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.code, 'bad_frame');
    assert.match(r.message, /body/);
    assert.equal(r.ref, 'm7');
  }
});

test('the decoder never throws on 20,000 random and mutated frames', () => {
  const rand = rng(42);
  let rejected = 0;
  for (let i = 0; i < 20_000; i++) {
    const { data, binary } = fuzzFrame(rand);
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
    for (const fmt of ['json', 'msgpack', 'proto'] as const) {
      const r = decodeClientFrame(buf, fmt === 'json' ? binary : true, fmt);
      if (!r.ok) {
        rejected++;
        assert.ok(['bad_frame', 'unknown_op'].includes(r.code));
      }
    }
  }
  assert.ok(rejected > 30_000, `most fuzz frames are rejected (${rejected})`);
});

test('DM room names are sorted; room patterns match with *', () => {
  assert.equal(dmRoom('zoe', 'al'), 'dm:al:zoe');
  assert.equal(roomAllowed(['team-*', 'lobby'], 'team-42'), true);
  assert.equal(roomAllowed(['team-*'], 'teamx'), false);
  assert.equal(roomAllowed(['a.b'], 'axb'), false, 'pattern characters other than * are literal');
  assert.equal(roomAllowed(undefined, 'anything'), true);
});
