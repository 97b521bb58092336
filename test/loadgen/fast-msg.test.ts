import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fastMsg } from '../../loadgen/client/fast-msg.js';
import { encodeFrame, type MsgFrame } from '../../protocol/index.js';
import { fuzzFrame, rng } from '../helpers/fuzz.js';

test('the fast msg reader agrees with JSON.parse on gateway frames, and declines what it cannot read', () => {
  const frames: MsgFrame[] = [
    { op: 'msg', room: 'r1', seq: 42, id: 'a', from: 'u', ts: 1, body: 'x', meta: { s: 1, n: 2, t: 1700000000123.456 } },
    { op: 'msg', room: 'r1', seq: 7, id: 'a', from: 'u', ts: 1, body: ',"t":99}}' },
    { op: 'msg', room: 'weird"room', seq: 1, id: 'a', from: 'u', ts: 1, body: 'x' },
  ];
  const a = fastMsg(encodeFrame(frames[0], 'json'), 'r1');
  assert.deepEqual({ ...a }, { room: 'r1', seq: 42, t: 1700000000123.456 });
  const b = fastMsg(encodeFrame(frames[1], 'json'), 'r1');
  assert.deepEqual({ ...b }, { room: 'r1', seq: 7, t: undefined }, 'a body that looks like meta is not meta');
  assert.equal(fastMsg(encodeFrame(frames[2], 'json'), 'r1'), undefined);
  assert.deepEqual({ ...fastMsg(encodeFrame(frames[0], 'json'), 'other-room') }, { room: 'r1', seq: 42, t: 1700000000123.456 }, 'another room is decoded');
  assert.equal(fastMsg(Buffer.from('{"op":"ack","id":"1","seq":3}'), 'r1'), undefined);
  const rand = rng(11);
  for (let i = 0; i < 5000; i++) {
    const { data } = fuzzFrame(rand);
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const r = fastMsg(buf, 'fz');
    if (r) assert.ok(Number.isSafeInteger(r.seq));
  }
});
