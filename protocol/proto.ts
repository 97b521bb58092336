/**
 * The bfg.v1.proto format: frames to and from Protocol Buffers with protobufjs, from the schema in
 * proto-schema.ts (written to `protocol/bfg.proto` by `npm run docs`). A frame's op is the field of Frame's oneof that is set; a body is text or
 * bytes; meta travels as its JSON text. Integers are uint64 on the wire and numbers here (seqs and
 * times are safe integers).
 */
import protobuf from 'protobufjs';
import type { Body, ClientFrame, ServerFrame } from './frames.js';
import { PROTO_SCHEMA } from './proto-schema.js';

let type: protobuf.Type | undefined;
/** the Frame type, parsed on first use (a JSON or msgpack gateway never parses the schema) */
function frameType(): protobuf.Type {
  return (type ??= protobuf.parse(PROTO_SCHEMA, { keepCase: false }).root.lookupType('bfg.v1.Frame'));
}

/** field of the oneof for each op, by direction (`presence` is one op each way, two messages) */
const CLIENT_FIELD: Record<string, string> = { join: 'join', leave: 'leave', send: 'send', dm: 'dm', presence: 'presence', typing: 'typing', read: 'read' };
const SERVER_FIELD: Record<string, string> = { hello: 'hello', msg: 'msg', ack: 'ack', joined: 'joined', left: 'left', presence: 'presenceReply', error: 'error', drain: 'drain', typing: 'typing', read: 'read' };
const OP_OF: Record<string, string> = { ...Object.fromEntries(Object.entries(CLIENT_FIELD).map(([op, f]) => [f, op])), ...Object.fromEntries(Object.entries(SERVER_FIELD).map(([op, f]) => [f, op])) };

const bodyOut = (b: Body) => (typeof b === 'string' ? { text: b } : { data: b });
const bodyIn = (b: { text?: string; data?: Uint8Array } | undefined): Body | undefined => (b?.text ?? (b?.data ? Buffer.from(b.data) : undefined));

/** Encodes a frame as one Protocol Buffers Frame. */
export function encodeProto(frame: ServerFrame | ClientFrame, server: boolean): Buffer {
  const { op, ...rest } = frame as unknown as { op: string; body?: Body; meta?: unknown } & Record<string, unknown>;
  const field = (server ? SERVER_FIELD : CLIENT_FIELD)[op];
  if (!field) throw new Error(`no ${server ? 'server' : 'client'} frame with op ${op}`);
  const inner: Record<string, unknown> = { ...rest };
  if (rest.body !== undefined) inner.body = bodyOut(rest.body);
  if (rest.meta !== undefined) {
    delete inner.meta;
    // meta's JSON as a JSON session carries it: bytes as base64 (a Buffer reaches the replacer as {type, data})
    inner.metaJson = JSON.stringify(rest.meta, (_k, v: unknown) => {
      const b = v as { type?: string; data?: number[] };
      return v instanceof Uint8Array ? Buffer.from(v).toString('base64') : b && b.type === 'Buffer' && Array.isArray(b.data) ? Buffer.from(b.data).toString('base64') : v;
    });
  }
  const Frame = frameType();
  return Buffer.from(Frame.encode(Frame.fromObject({ [field]: inner })).finish());
}

/** Decodes one Frame to the plain frame object with its op (throws on bytes that are not a Frame). */
export function decodeProto(data: Uint8Array): Record<string, unknown> {
  const Frame = frameType();
  const obj = Frame.toObject(Frame.decode(data), { longs: Number, bytes: Buffer, oneofs: true, defaults: true }) as Record<string, unknown> & { op?: string };
  const field = obj.op;
  if (!field) return {}; // no op set: the validator answers unknown_op
  const inner = obj[field] as Record<string, unknown> & { body?: { text?: string; data?: Uint8Array }; metaJson?: string };
  const out: Record<string, unknown> = { op: OP_OF[field] };
  for (const [k, v] of Object.entries(inner)) {
    if (k.startsWith('_') || v === null) continue; // protobufjs's names of set optional fields, and unset messages
    if (k === 'body') out.body = bodyIn(inner.body);
    else if (k === 'metaJson') out.meta = JSON.parse(v as string);
    else out[k] = v;
  }
  if (field === 'presence' && out.users === undefined) out.users = [];
  if (field === 'presenceReply' && out.online === undefined) out.online = {};
  return out;
}
