/**
 * The one format of a published message and of a stored one. A bus payload is
 * `origin\nt0\nepoch\nmsgJSON`: the sending connection (not sent its own message), when the origin
 * gateway received it, the epoch of the room log that assigned its seq, and the message. JSON has no
 * bytes, so a bytes body is stored as base64 with `bodyEncoding: "base64"` and turned back into bytes
 * when read, so a msgpack client gets back the bytes it sent.
 */
import { randomBytes } from 'node:crypto';
import type { MsgFrame } from '../protocol/index.js';
import type { Envelope } from './broker/broker.js';

/**
 * A gateway in message origins: its node id and a random incarnation. Session ids restart at 1 in
 * every gateway, so two nodes given the same id (or the default one) must still never take each
 * other's sessions for the sender and skip a delivery.
 */
export const originNode = (node: string): string => `${node}~${randomBytes(4).toString('hex')}`;

type Stored = MsgFrame & { bodyEncoding?: 'base64' };

/** The JSON text of a message as stored and published. */
export function storedJson(msg: MsgFrame): string {
  if (typeof msg.body === 'string') return JSON.stringify(msg);
  return JSON.stringify({ ...msg, body: Buffer.from(msg.body).toString('base64'), bodyEncoding: 'base64' });
}

/** A message read back from its stored JSON text. */
export function fromStored(text: string): MsgFrame {
  const m = JSON.parse(text) as Stored;
  if (m.bodyEncoding === 'base64') {
    m.body = Buffer.from(m.body as string, 'base64');
    delete m.bodyEncoding;
  }
  return m;
}

/** The head of a bus payload up to the epoch, which a store that publishes fills in itself. */
export const envelopeHead = (origin: string, t0: number): string => `${origin}\n${t0}\n`;

/** The whole bus payload of an envelope. */
export function encodeEnvelope(env: Envelope): string {
  return `${envelopeHead(env.origin, env.t0)}${env.epoch ?? ''}\n${storedJson(env.msg)}`;
}

/** Parses a bus payload; undefined when it is malformed (a bad payload is dropped, never fatal). */
export function decodeEnvelope(topic: string, text: string): Envelope | undefined {
  const a = text.indexOf('\n'), b = text.indexOf('\n', a + 1), c = text.indexOf('\n', b + 1);
  if (a < 0 || b < 0 || c < 0) return undefined;
  try {
    const msg = fromStored(text.slice(c + 1));
    if (!msg || typeof msg.room !== 'string' || !Number.isSafeInteger(msg.seq)) return undefined;
    return { topic, origin: text.slice(0, a), t0: Number(text.slice(a + 1, b)), epoch: text.slice(b + 1, c) || undefined, msg };
  } catch {
    return undefined;
  }
}

/** A message for an HTTP (JSON) reader: bytes as base64, marked so. */
export function forHttp(msg: MsgFrame): MsgFrame | Stored {
  return typeof msg.body === 'string' ? msg : { ...msg, body: Buffer.from(msg.body).toString('base64'), bodyEncoding: 'base64' };
}
