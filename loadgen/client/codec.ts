/** WebSocket frame codec for clients: masked frames out, unmasked server frames in (RFC 6455 §5). */
import { randomFillSync } from 'node:crypto';

export const OP = { text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

const pool = Buffer.alloc(4096);
let poolAt = pool.length;

function maskKey(): Buffer {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += 4;
  return pool.subarray(poolAt - 4, poolAt);
}

/** One masked client frame. */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 6 : n < 65536 ? 8 : 14;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x80 | opcode;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeUInt32BE(0, 2);
    out.writeUInt32BE(n, 6);
  }
  const mask = maskKey();
  mask.copy(out, head - 4);
  for (let i = 0; i < n; i++) out[head + i] = payload[i] ^ mask[i & 3];
  return out;
}

/** The whole size of the frame starting at buf[0], or -1 while its header is incomplete. */
export function frameSize(buf: Buffer): number {
  if (buf.length < 2) return -1;
  const len = buf[1] & 0x7f;
  if (len < 126) return 2 + len;
  if (len === 126) return buf.length < 4 ? -1 : 4 + buf.readUInt16BE(2);
  return buf.length < 10 ? -1 : 10 + buf.readUInt32BE(2) * 2 ** 32 + buf.readUInt32BE(6);
}

/**
 * Splits received bytes into frames. Calls sink.onFrame(opcode, payload) per complete frame and
 * returns the unconsumed tail (or null), which the caller keeps until more bytes arrive.
 */
export function parseFrames(buf: Buffer, sink: { onFrame(opcode: number, payload: Buffer): void }): Buffer | null {
  let at = 0;
  while (buf.length - at >= 2) {
    const b1 = buf[at + 1];
    let len = b1 & 0x7f;
    let head = 2;
    if (len === 126) {
      if (buf.length - at < 4) break;
      len = buf.readUInt16BE(at + 2);
      head = 4;
    } else if (len === 127) {
      if (buf.length - at < 10) break;
      len = buf.readUInt32BE(at + 2) * 2 ** 32 + buf.readUInt32BE(at + 6);
      head = 10;
    }
    if (b1 & 0x80) throw new Error('server frames must not be masked');
    if (buf.length - at < head + len) break;
    sink.onFrame(buf[at] & 0x0f, buf.subarray(at + head, at + head + len));
    at += head + len;
  }
  return at === buf.length ? null : Buffer.from(buf.subarray(at));
}
