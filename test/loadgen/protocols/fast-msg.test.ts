import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fastMsg, fastProtoMsg } from '../../../loadgen/protocols/fast-msg.js';
import { decodeServerFrame, encodeFrame, type MsgFrame } from '../../../protocol/index.js';
import { rng } from '../../helpers/fuzz.js';

test('the fast msg reader agrees with JSON.parse on gateway frames, and declines what it cannot read', () => {
  const frames: MsgFrame[] = [
    { op: 'msg', room: 'r1', seq: 42, id: 'a', from: 'u', ts: 1, body: 'x', meta: { s: 1, n: 2, i: 1700000000123.4, t: 1700000000123.456 } },
    { op: 'msg', room: 'r1', seq: 7, id: 'a', from: 'u', ts: 1, body: ',"t":99}}' },
    { op: 'msg', room: 'weird"room', seq: 1, id: 'a', from: 'u', ts: 1, body: 'x' },
  ];
  const a = fastMsg(encodeFrame(frames[0], 'json'), 'r1');
  assert.deepEqual({ ...a }, { room: 'r1', seq: 42, t: 1700000000123.456, i: 1700000000123.4 });
  const b = fastMsg(encodeFrame(frames[1], 'json'), 'r1');
  assert.deepEqual({ ...b }, { room: 'r1', seq: 7, t: undefined, i: undefined }, 'a body that looks like meta is not meta');
  assert.equal(fastMsg(encodeFrame(frames[2], 'json'), 'r1'), undefined);
  assert.deepEqual({ ...fastMsg(encodeFrame(frames[0], 'json'), 'other-room') }, { room: 'r1', seq: 42, t: 1700000000123.456, i: 1700000000123.4 }, 'another room is decoded');
  assert.equal(fastMsg(Buffer.from('{"op":"ack","id":"1","seq":3}'), 'r1'), undefined);
});

test('fuzz: 5,000 gateway msg frames it must read exactly, and 5,000 it must decline', () => {
  const rand = rng(11);
  const int = (n: number) => Math.floor(rand() * n);
  const word = () => Array.from({ length: 1 + int(12) }, () => 'abcxyz-_.0123456789'[int(19)]).join('');
  const num = () => [int(1e6), 1.7e12 + int(1e9) + int(1000) / 1000, int(100) / 7][int(3)];
  for (let k = 0; k < 5000; k++) {
    const meta = [undefined, { s: int(1000), n: int(1e6), i: num(), t: num() }, { s: int(9), n: 1, t: num() }, { x: word() }][int(4)];
    const f: MsgFrame = { op: 'msg', room: word(), seq: 1 + int(1e9), id: word(), from: word(), ts: 1.7e12 + int(1e6), body: [word(), ',"t":1}}', '"i":2,"t":3'][int(3)] };
    if (meta) f.meta = meta;
    const expect = JSON.parse(encodeFrame(f, 'json').toString()) as MsgFrame;
    const r = fastMsg(encodeFrame(f, 'json'), rand() < 0.5 ? f.room : 'other');
    assert.ok(r, `a plain gateway msg frame is read: ${JSON.stringify(f)}`);
    const m = expect.meta as { t?: number; i?: number } | undefined;
    assert.deepEqual({ ...r }, { room: expect.room, seq: expect.seq, t: m && 't' in m ? m.t : undefined, i: m && 'i' in m ? m.i : undefined });
  }
  const declines = [
    (f: MsgFrame) => JSON.stringify({ ...f, op: 'ack' }),
    (f: MsgFrame) => JSON.stringify({ ...f, room: `${f.room}"q` }),
    (f: MsgFrame) => JSON.stringify({ ...f, room: `${f.room}\\` }),
    (f: MsgFrame) => JSON.stringify({ ...f, seq: `${f.seq}` }),
    (f: MsgFrame) => JSON.stringify({ ...f, seq: -f.seq }),
    (f: MsgFrame) => JSON.stringify({ room: f.room, op: 'msg', seq: f.seq }),
    (f: MsgFrame) => JSON.stringify(f).slice(0, 10 + int(10)),
  ];
  for (let k = 0; k < 5000; k++) {
    const f: MsgFrame = { op: 'msg', room: word(), seq: 1 + int(1e6), id: 'a', from: 'u', ts: 1, body: 'x' };
    const text = declines[k % declines.length](f);
    assert.equal(fastMsg(Buffer.from(text), f.room), undefined, `declined: ${text}`);
  }
});

test('proto: the fast reader agrees with the full decoder on 5,000 bfg.v1.proto msg frames, and never reads a wrong one', () => {
  const rand = rng(12);
  const int = (n: number) => Math.floor(rand() * n);
  const word = () => Array.from({ length: 1 + int(12) }, () => 'abcxyz-_.0123456789é'[int(20)]).join('');
  const num = () => [int(1e6), 1.7e12 + int(1e9) + int(1000) / 1000, int(100) / 7][int(3)];
  for (let k = 0; k < 5000; k++) {
    const meta = [undefined, { s: int(1000), n: int(1e6), i: num(), t: num() }, { s: int(9), n: 1, t: num() }, { x: word() }][int(4)];
    const body = [word(), ',"t":1}', new Uint8Array([0x8a, 0x01, 0x7d])][int(3)];
    const f: MsgFrame = { op: 'msg', room: word(), seq: 1 + int(2 ** 40), id: word(), from: word(), ts: 1.7e12 + int(1e6), body };
    if (meta) f.meta = meta;
    const bytes = encodeFrame(f, 'proto');
    const full = decodeServerFrame(bytes, 'proto') as MsgFrame;
    const r = fastProtoMsg(bytes, rand() < 0.5 ? f.room : 'other');
    assert.ok(r, `a plain proto msg frame is read: ${JSON.stringify(f)}`);
    const m = full.meta as { t?: number; i?: number } | undefined;
    assert.deepEqual({ ...r }, { room: full.room, seq: full.seq, t: m && 't' in m ? m.t : undefined, i: m && 'i' in m ? m.i : undefined });
    // a cut frame, or another op, is declined, never misread
    assert.equal(fastProtoMsg(bytes.subarray(0, 1 + int(bytes.length - 1)), f.room), undefined);
  }
  assert.equal(fastProtoMsg(encodeFrame({ op: 'ack', id: 'a', seq: 3 }, 'proto'), 'r'), undefined);
  assert.equal(fastProtoMsg(encodeFrame({ op: 'joined', room: 'r', head: 1, epoch: 'e', recovered: true }, 'proto'), 'r'), undefined);
});
