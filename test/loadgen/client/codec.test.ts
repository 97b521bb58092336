import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OP, ProtocolError, clientFrame, closePayload, frameSize, parseFrames, validCloseCode } from '../../../loadgen/client/codec.js';

/** a server frame (unmasked) */
const serverFrame = (op: number, payload: Buffer, fin = true) => {
  const head = payload.length < 126 ? Buffer.from([(fin ? 0x80 : 0) | op, payload.length]) : Buffer.from([(fin ? 0x80 : 0) | op, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([head, payload]);
};

test('client frames are masked, and unmasking gives the payload back', () => {
  const p = Buffer.from('hello');
  const f = clientFrame(OP.text, p);
  assert.equal(f[0], 0x81);
  assert.equal(f[1] & 0x80, 0x80, 'mask bit set');
  const key = f.subarray(2, 6), body = Buffer.from(f.subarray(6));
  for (let i = 0; i < body.length; i++) body[i] ^= key[i % 4];
  assert.equal(body.toString(), 'hello');
});

test('frames are parsed whole and a split one is handed back as the rest', () => {
  const got: string[] = [];
  const sink = { done: false, onFrame: (_b0: number, p: Buffer) => void got.push(p.toString()) };
  const two = Buffer.concat([serverFrame(OP.text, Buffer.from('a')), serverFrame(OP.text, Buffer.from('bcd'))]);
  const rest = parseFrames(two.subarray(0, two.length - 2), sink, 1 << 20);
  assert.deepEqual(got, ['a']);
  assert.equal(rest?.length, 3, 'the split second frame');
  assert.equal(frameSize(two.subarray(3)), 5);
  assert.equal(frameSize(Buffer.from([0x81])), -1, 'not enough bytes to know');
});

test('masked server frames, oversized frames and reserved bits are protocol errors', () => {
  const sink = { done: false, onFrame: () => {} };
  assert.throws(() => parseFrames(Buffer.from([0x81, 0x81, 0, 0, 0, 0, 0]), sink, 1 << 20), ProtocolError);
  assert.throws(() => parseFrames(serverFrame(OP.binary, Buffer.alloc(200)), sink, 100), (e: ProtocolError) => e.code === 1009);
  assert.throws(() => parseFrames(Buffer.from([0xc1, 0]), sink, 1 << 20), (e: ProtocolError) => e.code === 1002);
});

test('close codes: the valid ones are accepted and a close payload carries the code', () => {
  for (const c of [1000, 1001, 1008, 1011, 3000, 4999]) assert.ok(validCloseCode(c), String(c));
  for (const c of [0, 999, 1004, 1005, 1006, 1015, 5000]) assert.ok(!validCloseCode(c), String(c));
  assert.equal(closePayload(4008, 'slow').readUInt16BE(0), 4008);
  assert.equal(closePayload(4008, 'slow').subarray(2).toString(), 'slow');
});
