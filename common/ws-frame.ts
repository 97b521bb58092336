/**
 * The one WebSocket framing routine (RFC 6455 §5.2) for the gateway (unmasked server frames), the
 * load generator's client (masked) and the tests (any first byte, for fragments and invalid frames).
 */

/** One frame: first byte `b0` (FIN, RSV, opcode), the payload, masked with `mask` when given. */
export function wsFrame(b0: number, payload: Buffer, mask?: Buffer): Buffer {
  const n = payload.length;
  const len = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const head = len + (mask ? 4 : 0);
  const out = Buffer.allocUnsafe(head + n);
  out[0] = b0;
  const m = mask ? 0x80 : 0;
  if (n < 126) out[1] = m | n;
  else if (n < 65536) {
    out[1] = m | 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = m | 127;
    out.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    out.writeUInt32BE(n >>> 0, 6);
  }
  if (!mask) {
    payload.copy(out, head);
    return out;
  }
  mask.copy(out, len, 0, 4);
  for (let i = 0; i < n; i++) out[head + i] = payload[i] ^ mask[i & 3];
  return out;
}

/** One unmasked text frame of a string, encoded straight into the frame (no second buffer). */
export function wsTextFrame(text: string): Buffer {
  const n = Buffer.byteLength(text);
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x81;
  if (n < 126) out[1] = n;
  else if (n < 65536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    out.writeUInt32BE(n >>> 0, 6);
  }
  out.write(text, head, 'utf8');
  return out;
}
