/** WebSocket frame codec for clients: masked frames out, unmasked server frames in (RFC 6455 §5). */
import { randomFillSync } from 'node:crypto';
import { wsFrame } from '../../common/ws-frame.js';

export const OP = { text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

const pool = Buffer.alloc(4096);
let poolAt = pool.length;

/** `n` (≤ 4096) random bytes from a pool refilled once per 4 KiB: a crypto call per frame or per handshake costs more than the rest of it */
export function randomPooled(n: number): Buffer {
  if (poolAt + n > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += n;
  return pool.subarray(poolAt - n, poolAt);
}

const maskKey = (): Buffer => randomPooled(4);

/** One masked client frame. */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  return wsFrame(0x80 | opcode, payload, maskKey());
}

/** A violation of RFC 6455 by the peer: the connection is closed with `code` (1002, 1007 or 1009). */
export class ProtocolError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** The whole size of the frame starting at buf[0], or -1 while its header is incomplete. */
export function frameSize(buf: Buffer): number {
  if (buf.length < 2) return -1;
  const len = buf[1] & 0x7f;
  if (len < 126) return 2 + len;
  if (len === 126) return buf.length < 4 ? -1 : 4 + buf.readUInt16BE(2);
  return buf.length < 10 ? -1 : 10 + buf.readUInt32BE(2) * 2 ** 32 + buf.readUInt32BE(6);
}

/** What receives parsed frames: `b0` is the first header byte (FIN, RSV, opcode). */
export interface FrameSink {
  onFrame(b0: number, payload: Buffer): void;
  /** true once the connection is closing: the bytes after its close frame are not read */
  readonly done: boolean;
}

/**
 * Splits received bytes into frames, checking each header as RFC 6455 §5.2 says: no reserved bits
 * (no extension is negotiated), known opcodes, no masked server frame, control frames unfragmented
 * and at most 125 bytes, and no frame larger than `maxBytes` (checked on the header, before its
 * bytes are buffered). Calls sink.onFrame per complete frame and returns the unconsumed tail (or
 * null); throws ProtocolError on a violation, never reading a frame half.
 */
export function parseFrames(buf: Buffer, sink: FrameSink, maxBytes: number): Buffer | null {
  let at = 0;
  while (buf.length - at >= 2 && !sink.done) {
    const b0 = buf[at], b1 = buf[at + 1];
    if (b0 & 0x70) throw new ProtocolError(1002, 'reserved bits set, but no extension was negotiated');
    const op = b0 & 0x0f;
    if ((op > 2 && op < 8) || op > 10) throw new ProtocolError(1002, `unknown opcode ${op}`);
    if (b1 & 0x80) throw new ProtocolError(1002, 'server frames must not be masked');
    let len = b1 & 0x7f;
    let head = 2;
    if (op >= 8 && (len > 125 || !(b0 & 0x80))) throw new ProtocolError(1002, 'a control frame must be unfragmented and at most 125 bytes');
    if (len === 126) {
      if (buf.length - at < 4) break;
      len = buf.readUInt16BE(at + 2);
      head = 4;
    } else if (len === 127) {
      if (buf.length - at < 10) break;
      len = buf.readUInt32BE(at + 2) * 2 ** 32 + buf.readUInt32BE(at + 6);
      head = 10;
    }
    if (len > maxBytes) throw new ProtocolError(1009, `a ${len}-byte frame exceeds the ${maxBytes}-byte message limit`);
    if (buf.length - at < head + len) break;
    sink.onFrame(b0, buf.subarray(at + head, at + head + len));
    at += head + len;
  }
  return at === buf.length || sink.done ? null : Buffer.from(buf.subarray(at));
}

/** True for a close code a peer may send (RFC 6455 §7.4: 1000–1003, 1007–1014, 3000–4999). */
export function validCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** The payload of a close frame: the code (none for 1005, "no status") and a reason. */
export function closePayload(code: number, reason = ''): Buffer {
  if (code === 1005) return Buffer.alloc(0);
  const r = Buffer.from(reason.slice(0, 100));
  const p = Buffer.allocUnsafe(2 + r.length);
  p.writeUInt16BE(code);
  r.copy(p, 2);
  return p;
}
