/** bfg.v1.proto: every frame through Protocol Buffers and back, bodies as text or bytes, and its size beside JSON and msgpack. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeClientFrame, decodeServerFrame, encodeFrame, type ClientFrame, type ServerFrame } from '../../protocol/index.js';
import { decodeProto } from '../../protocol/proto.js';

const CLIENT: ClientFrame[] = [
  { op: 'join', room: 'r' }, { op: 'join', room: 'r', after: 41, epoch: 'e1' }, { op: 'leave', room: 'r' },
  { op: 'send', room: 'r', id: 'm1', body: 'hi', meta: { s: 1, k: 2, i: 1796000000000.5, t: 1796000000001.25 } },
  { op: 'send', room: 'r', id: 'm2', body: new Uint8Array([0, 1, 255]) }, { op: 'dm', to: 'bob', id: 'd1', body: 'psst' },
  { op: 'presence', users: ['a', 'b'] }, { op: 'presence', users: [] },
];
const SERVER: ServerFrame[] = [
  { op: 'hello', node: 'n1', user: 'u', heartbeatMs: 30_000 },
  { op: 'msg', room: 'r', seq: 2 ** 40, id: 'm1', from: 'u', ts: 1796000000000, body: 'hi', meta: { a: [1, 'x'] } },
  { op: 'msg', room: 'r', seq: 1, id: 'm2', from: 'u', ts: 1, body: '' },
  { op: 'ack', id: 'm1', seq: 0 }, { op: 'joined', room: 'r', head: 0, epoch: 'e', recovered: false }, { op: 'left', room: 'r' },
  { op: 'presence', online: { a: true, b: false } }, { op: 'error', code: 'not_member', message: 'join first', ref: 'm1' },
  { op: 'error', code: 'bad_frame', message: 'x' }, { op: 'drain', retryAfterMs: 0 },
];

const plain = (x: unknown) => JSON.parse(JSON.stringify(x, (_k, v) => (v instanceof Uint8Array ? [...v] : v && v.type === 'Buffer' ? v.data : v)));

test('every client frame decodes (and validates) to itself; every server frame too, zeros and false included', () => {
  for (const f of CLIENT) {
    const r = decodeClientFrame(encodeFrame(f, 'proto'), true, 'proto');
    assert.ok(r.ok, JSON.stringify(f));
    assert.deepEqual(plain(r.frame), plain(f));
  }
  for (const f of SERVER) assert.deepEqual(plain(decodeServerFrame(encodeFrame(f, 'proto'), 'proto')), plain(f));
  const bytes = decodeServerFrame(encodeFrame({ ...SERVER[1], body: new Uint8Array([7, 8]) } as ServerFrame, 'proto'), 'proto') as { body: unknown };
  assert.ok(bytes.body instanceof Uint8Array, 'a bytes body comes back as bytes');
});

test('bytes in meta travel as base64, as on JSON sessions; a text frame, garbage and an empty Frame are refused', () => {
  const r = decodeClientFrame(encodeFrame({ op: 'send', room: 'r', id: '1', body: 'x', meta: { b: Buffer.from('xy') } }, 'proto'), true, 'proto');
  assert.ok(r.ok && (r.frame as unknown as { meta: { b: string } }).meta.b === 'eHk=');
  const text = decodeClientFrame(Buffer.from('{"op":"join","room":"r"}'), false, 'proto');
  assert.ok(!text.ok && /text frame on a bfg.v1.proto session/.test(text.message));
  const garbage = decodeClientFrame(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), true, 'proto');
  assert.ok(!garbage.ok && garbage.code === 'bad_frame' && /cannot decode proto/.test(garbage.message));
  assert.deepEqual(decodeProto(Buffer.alloc(0)), {});
  const empty = decodeClientFrame(Buffer.alloc(0), true, 'proto');
  assert.ok(!empty.ok, 'a Frame with no op is refused');
  const serverOp = decodeClientFrame(encodeFrame(SERVER[3], 'proto'), true, 'proto');
  assert.ok(!serverOp.ok && serverOp.code === 'unknown_op', 'a server frame from a client is an unknown op');
});

test('a delivered msg with its stamp is smaller as proto than as msgpack or JSON (measured here, printed)', (t) => {
  const m: ServerFrame = { op: 'msg', room: 'room-42', seq: 12_345, id: 'u17-98', from: 'user-17', ts: 1796000000000, body: 'x'.repeat(64), meta: { s: 17, n: 98, k: 3, i: 1796000000000.5, t: 1796000000000.75 } };
  const size = { json: encodeFrame(m, 'json').length, msgpack: encodeFrame(m, 'msgpack').length, proto: encodeFrame(m, 'proto').length };
  t.diagnostic(`measured: one msg frame with a 64-byte body and a stamp: JSON ${size.json} B, msgpack ${size.msgpack} B, proto ${size.proto} B`);
  assert.ok(size.proto < size.json && size.proto <= size.msgpack, JSON.stringify(size));
});
