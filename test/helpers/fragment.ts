/** Helpers that break server frames into legal fragments with control frames between them (RFC 6455 §5.4). */

/** One unmasked server frame. */
export function rawFrame(b0: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([b0, n]) : n < 65536 ? Buffer.from([b0, 126, n >> 8, n & 255]) : (() => {
    const h = Buffer.alloc(10);
    h[0] = b0;
    h[1] = 127;
    h.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    h.writeUInt32BE(n >>> 0, 6);
    return h;
  })();
  return Buffer.concat([head, payload]);
}

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
