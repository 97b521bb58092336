/** Encoding and decoding of frames: JSON text frames, or msgpack or Protocol Buffers binary frames. */
import { Packr } from 'msgpackr';
import type { ClientFrame, Format, ServerFrame } from './frames.js';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, SUBPROTOCOL_PROTO } from './frames.js';
import { decodeProto, encodeProto } from './proto.js';
import { validateClientFrame, type Check } from './validate.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

/** The format chosen by a negotiated WebSocket subprotocol (JSON when none). */
export function formatOf(subprotocol: string | undefined): Format {
  return subprotocol === SUBPROTOCOL_MSGPACK ? 'msgpack' : subprotocol === SUBPROTOCOL_PROTO ? 'proto' : 'json';
}

/** The subprotocol that names a format. */
export function subprotocolOf(format: Format): string {
  return format === 'msgpack' ? SUBPROTOCOL_MSGPACK : format === 'proto' ? SUBPROTOCOL_PROTO : SUBPROTOCOL_JSON;
}

/** Encodes any frame to the bytes of one WebSocket message of the given format. */
export function encodeFrame(frame: ServerFrame | ClientFrame, format: Format): Buffer {
  if (format === 'msgpack') return packr.pack(frame);
  if (format === 'proto') return encodeProto(frame, isServerFrame(frame));
  return Buffer.from(frameJson(frame));
}

const SERVER_ONLY = new Set(['hello', 'msg', 'ack', 'joined', 'left', 'error', 'drain']);
/** whether a frame goes from server to client (`presence` goes both ways: the answer has `online`; `typing` and `read` too: the event names its `user`) */
function isServerFrame(frame: ServerFrame | ClientFrame): boolean {
  return SERVER_ONLY.has(frame.op) || (frame.op === 'presence' && 'online' in frame) || ((frame.op === 'typing' || frame.op === 'read') && 'user' in frame);
}

/** The JSON text of a frame; bytes (a msgpack client's body or meta) become base64. */
export function frameJson(frame: ServerFrame | ClientFrame): string {
  // a replacer takes JSON.stringify off its fast path for every key: only frames carrying bytes need it
  const f = frame as { body?: unknown; meta?: unknown };
  return f.body instanceof Uint8Array || (f.meta !== undefined && hasBytes(f.meta, 0))
    ? JSON.stringify(frame, bytesAsBase64) : JSON.stringify(frame);
}

/** true when a value holds a Uint8Array anywhere (bounded depth: validated meta is shallow) */
function hasBytes(v: unknown, depth: number): boolean {
  if (v instanceof Uint8Array) return true;
  if (v === null || typeof v !== 'object' || depth > 64) return false;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (hasBytes(x, depth + 1)) return true;
  return false;
}

// JSON has no bytes: a Uint8Array body travels as base64 text on JSON sessions.
function bytesAsBase64(_key: string, v: unknown): unknown {
  if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
    return Buffer.from((v as { data: number[] }).data).toString('base64');
  }
  return v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v;
}

/** Decodes and validates one client frame; returns a typed error instead of throwing. */
export function decodeClientFrame(data: Buffer, isBinary: boolean, format: Format): Check {
  if (isBinary !== (format !== 'json')) {
    return { ok: false, code: 'bad_frame', message: format === 'json'
      ? 'binary frame on a bfg.v1.json session: send text frames, or connect with subprotocol bfg.v1.msgpack or bfg.v1.proto'
      : `text frame on a bfg.v1.${format} session: send binary ${format === 'proto' ? 'Protocol Buffers (protocol/bfg.proto)' : 'msgpack'} frames` };
  }
  let value: unknown;
  try {
    value = format === 'json' ? JSON.parse(data.toString('utf8')) : format === 'proto' ? decodeProto(data) : packr.unpack(data);
  } catch (err) {
    return { ok: false, code: 'bad_frame', message: `cannot decode ${format}: ${(err as Error).message.slice(0, 80)}` };
  }
  return validateClientFrame(value);
}

/** Decodes a server frame (for clients and tests); throws on malformed input. */
export function decodeServerFrame(data: Buffer, format: Format): ServerFrame {
  return (format === 'json' ? JSON.parse(data.toString('utf8')) : format === 'proto' ? decodeProto(data) : packr.unpack(data)) as ServerFrame;
}
