/**
 * Server-to-client WebSocket frames built once per message. Server frames are unmasked, so the
 * bytes of one message are the same for every recipient: fan-out writes this one buffer to all.
 */
import { wsFrame } from '../common/ws-frame.js';
import { encodeFrame, type Format, type ServerFrame } from '../protocol/index.js';

/** One complete, unfragmented WebSocket data frame (text for JSON, binary for msgpack). */
export function dataFrame(payload: Buffer, binary: boolean): Buffer {
  return wsFrame(0x80 | (binary ? 0x2 : 0x1), payload);
}

/** Encodes a frame for a session's format and wraps it as a WebSocket frame. */
export function framed(frame: ServerFrame, format: Format): Buffer {
  return dataFrame(encodeFrame(frame, format), format === 'msgpack');
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
