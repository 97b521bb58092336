/**
 * Server-to-client WebSocket frames built once per message. Server frames are unmasked, so the
 * bytes of one message are the same for every recipient: fan-out writes this one buffer to all.
 */
import { encodeFrame, type Format, type ServerFrame } from '../protocol/index.js';

/** One complete, unfragmented WebSocket data frame (text for JSON, binary for msgpack). */
export function wsFrame(payload: Buffer, binary: boolean): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x80 | (binary ? 0x2 : 0x1);
  if (n < 126) out[1] = n;
  else if (n < 65536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(0, 2);
    out.writeUInt32BE(n, 6);
  }
  payload.copy(out, head);
  return out;
}

/** Encodes a frame for a session's format and wraps it as a WebSocket frame. */
export function framed(frame: ServerFrame, format: Format): Buffer {
  return wsFrame(encodeFrame(frame, format), format === 'msgpack');
}

/** Lazily encodes one frame at most once per format (fan-out to mixed JSON/msgpack rooms). */
export class SharedFrame {
  private json?: Buffer;
  private pack?: Buffer;
  constructor(private readonly frame: ServerFrame) {}
  get(format: Format): Buffer {
    if (format === 'json') return (this.json ??= framed(this.frame, 'json'));
    return (this.pack ??= framed(this.frame, 'msgpack'));
  }
}
