/**
 * Outbound path: server frames are built once per message (server frames are unmasked, so the bytes
 * of one message are the same for every recipient: fan-out writes one buffer to all), and the frames
 * queued for a session during one event-loop turn are written in one batch (one writev) at the end of
 * the turn (socket-write.ts); the slow-consumer cap is checked per batch.
 */
import { wsFrame, wsTextFrame } from '../common/ws-frame.js';
import { CLOSE, ERRORS, encodeFrame, frameJson, type Format, type ServerFrame } from '../protocol/index.js';
import type { Metrics } from './metrics.js';
import type { Session } from './session.js';
import { pendingBytes, writeFrames } from './socket-write.js';

/** One complete, unfragmented WebSocket data frame (text for JSON, binary for msgpack). */
export function dataFrame(payload: Buffer, binary: boolean): Buffer {
  return wsFrame(0x80 | (binary ? 0x2 : 0x1), payload);
}

/** Encodes a frame for a session's format and wraps it as a WebSocket frame. */
export function framed(frame: ServerFrame, format: Format): Buffer {
  if (format === 'json') return wsTextFrame(frameJson(frame));
  return dataFrame(encodeFrame(frame, format), true);
}

/** Lazily encodes one frame at most once per format (fan-out to rooms of mixed formats). */
export class SharedFrame {
  private json?: Buffer;
  private pack?: Buffer;
  private proto?: Buffer;
  constructor(private readonly frame: ServerFrame) {}
  get(format: Format): Buffer {
    if (format === 'json') return (this.json ??= framed(this.frame, 'json'));
    if (format === 'proto') return (this.proto ??= framed(this.frame, 'proto'));
    return (this.pack ??= framed(this.frame, 'msgpack'));
  }
}

export class Outbox {
  private dirty: Session[] = [];
  /** the other of two lists swapped at each flush (no new array per event-loop turn) */
  private spare: Session[] = [];
  private scheduled = false;
  constructor(private readonly slowBytes: number, private readonly metrics: Metrics) {}

  /** queues one pre-framed buffer for a session */
  push(s: Session, buf: Buffer): void {
    if (s.closing) return;
    const out = s.out;
    if (out === null) {
      s.out = buf; // one frame, the common case, without an array
      this.dirty.push(s);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    } else if (Array.isArray(out)) out.push(buf);
    else s.out = [out, buf];
  }

  /** bytes waiting for a session: queued this turn plus unsent in its socket */
  queued(s: Session): number {
    let n = s.socket ? pendingBytes(s) : 0;
    const out = s.out;
    if (Array.isArray(out)) for (const b of out) n += b.length;
    else if (out) n += out.length;
    return n;
  }

  /** writes every queued batch now */
  readonly flush = (): void => {
    this.scheduled = false;
    const dirty = this.dirty;
    this.dirty = this.spare;
    let frames = 0;
    for (const s of dirty) {
      const out = s.out!;
      s.out = null;
      if (s.closing) continue;
      const n = writeFrames(s, out);
      if (n === 0) continue; // destroyed
      frames += Array.isArray(out) ? out.length : 1;
      s.sent += n;
      if (pendingBytes(s) > this.slowBytes) this.dropSlow(s);
    }
    dirty.length = 0;
    this.spare = dirty;
    this.metrics.messagesOut.inc(frames);
  };

  /** closes a slow consumer with 4008 and counts it */
  dropSlow(s: Session): void {
    if (s.closing) return;
    s.closing = true;
    this.metrics.slowDrops.inc();
    // the close frame queues behind what is already buffered; a client that never reads it is cut
    // off after a grace period so a stuck peer cannot hold its buffers and fd for ws's 30 s default
    s.ws.close(CLOSE.slowConsumer, ERRORS.slow_consumer.message);
    setTimeout(() => s.ws.terminate(), 5000).unref();
  }
}
