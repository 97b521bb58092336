import { wsFrame } from '../../common/ws-frame.js';

/** Helpers that break server frames into legal fragments with control frames between them (RFC 6455 §5.4). */

/** One unmasked server frame with any first byte (fragments, invalid frames). */
export const rawFrame = (b0: number, payload: Buffer): Buffer => wsFrame(b0, payload);

/**
 * Rewrites a buffer of complete unfragmented server frames so that every data message goes out in
 * three fragments with a ping between each (control frames pass unchanged).
 */
export function fragmentFrames(buf: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    const b0 = buf[at];
    let len = buf[at + 1] & 0x7f, head = 2;
    if (len === 126) { len = buf.readUInt16BE(at + 2); head = 4; }
    else if (len === 127) { len = buf.readUInt32BE(at + 2) * 2 ** 32 + buf.readUInt32BE(at + 6); head = 10; }
    const payload = buf.subarray(at + head, at + head + len);
    const op = b0 & 0x0f;
    if (op >= 8) out.push(buf.subarray(at, at + head + len));
    else {
      const a = Math.floor(len / 3), b = Math.floor((2 * len) / 3);
      out.push(rawFrame(op, payload.subarray(0, a)), rawFrame(0x89, Buffer.from('p1')),
        rawFrame(0x00, payload.subarray(a, b)), rawFrame(0x89, Buffer.from('p2')), rawFrame(0x80, payload.subarray(b)));
    }
    at += head + len;
  }
  return Buffer.concat(out);
}
