/**
 * The lean client: a WebSocket on a bare TCP handle (`tcp.ts`), with no per-connection closures,
 * streams or timers, so an idle connection costs the agent little more than the kernel socket's handle.
 * It speaks the whole of RFC 6455 on the receive side: fragmented messages are reassembled (control
 * frames may come between fragments), text is checked as UTF-8, violations close with 1002/1007/1009,
 * and the close handshake is done both ways so the server sees a clean close.
 */
import { isUtf8 } from 'node:buffer';
import { nowMs } from '../measure/clock.js';
import { dial, type Wire, type WireOwner } from './tcp.js';
import { checkResponse, upgradeRequest } from './handshake.js';
import { OP, ProtocolError, clientFrame, closePayload, frameSize, parseFrames, validCloseCode } from './codec.js';

/** Largest message reassembled by default; past it the client closes with 1009. */
export const MAX_MESSAGE_BYTES = 16 * 2 ** 20;
/** How long a closing side waits for the other's close frame or FIN before dropping the connection. */
const CLOSE_WAIT_MS = 3000;

/** What a lean socket reports to its owner; one object shared by many sockets. */
export interface LeanHandler {
  open(s: LeanSocket): void;
  /**
   * one message, from the read timestamped `at` (epoch ms, µs resolution, taken before parsing); `payload`
   * is valid only during the call (it may lie in the read buffer the next read reuses): copy what you keep
   */
  frame(s: LeanSocket, payload: Buffer, binary: boolean, at: number): void;
  /** the server's close code, or 1006 when the TCP connection ended without a close frame */
  close(s: LeanSocket, code: number, reason: string): void;
  /** a frame broke RFC 6455: the client closed with `code` (1002, 1007 or 1009) */
  protocolError?(s: LeanSocket, code: number, reason: string): void;
  /** largest message to reassemble (default MAX_MESSAGE_BYTES) */
  readonly maxMessageBytes?: number;
  /** after the bytes of one read were handled; `readAt` is that read's timestamp */
  afterRead?(readAt: number): void;
  /** 'net' puts every socket on a net.Socket (the default is the bare handle where it can) */
  readonly transport?: 'raw' | 'net';
}

/** a message being reassembled from its fragments (exists only while one is in flight) */
interface Fragments { op: number; parts: Buffer[]; bytes: number }

/**
 * The timestamp of the read being parsed: reads are handled one at a time and synchronously, so one
 * module variable (set per read, not a field per socket) is handed to the handler as `frame`'s `at`.
 */
let readAt = 0;

export class LeanSocket implements WireOwner {
  private readonly wire: Wire;
  /** the upgrade request until the TCP connection is up */
  private request: string | null;
  /** bytes of an unfinished handshake or frame */
  private rest: Buffer | null = null;
  private accept: string | null;
  /** the subprotocols asked for, until the server's answer is checked */
  private wanted: string | undefined;
  /** the bounded wait for the server's close frame or FIN, while closing */
  private timer: NodeJS.Timeout | null = null;
  private frag: Fragments | null = null;
  open = false;
  /** true once closed, or closing: nothing more is read or reported */
  done = false;
  /** the client sent a close frame and waits for the server's */
  private closing = false;

  constructor(readonly handler: LeanHandler, readonly owner: number, url: URL, protocol?: string, localAddress?: string, headers?: Record<string, string>) {
    const { request, accept } = upgradeRequest(url.host, url.pathname + url.search, protocol, headers);
    this.accept = accept;
    this.wanted = protocol;
    this.request = request;
    // a URL's IPv6 host comes bracketed
    this.wire = dial(this, url.hostname.replace(/^\[(.*)\]$/, '$1'), Number(url.port || 80), localAddress, handler.transport);
  }

  /** @internal the TCP connection is up: the upgrade request goes out */
  connected(): void {
    const r = this.request;
    this.request = null;
    if (r && !this.done) this.wire.write(r);
  }

  /** @internal one read's bytes */
  bytes(d: Buffer): void {
    const t = (readAt = nowMs());
    this.onBytes(d);
    this.handler.afterRead?.(t);
  }

  /** @internal the connection is gone: no close handshake possible */
  lost(reason: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.finish(1006, reason);
  }

  /** sends one text or binary message */
  send(payload: Buffer, binary = false): void {
    if (this.open) this.wire.write(clientFrame(binary ? OP.binary : OP.text, payload));
  }

  /** stops reading (a slow reader) or starts again */
  pause(on: boolean): void {
    this.wire.pause(on);
  }

  /** starts the close handshake; the owner hears the server's code when its close frame comes (bounded wait) */
  close(code = 1000): void {
    if (!this.open) return this.destroy();
    this.open = false;
    this.closing = true;
    this.wire.write(clientFrame(OP.close, closePayload(code)));
    this.waitClose();
  }

  /** drops the TCP connection at once, as a network failure would */
  destroy(): void {
    this.wire.destroy();
  }

  private waitClose(): void {
    this.timer ??= setTimeout(onCloseTimeout, CLOSE_WAIT_MS, this).unref();
  }

  /** @internal */
  onBytes(data: Buffer): void {
    if (this.done) return;
    let buf = data;
    const rest = this.rest;
    this.rest = null;
    if (rest && this.accept === null) {
      // finish the one split frame with the head of this chunk, then read on in the chunk itself
      // (copying a few bytes, not the whole 64 KiB chunk, per read)
      const size = frameSize(rest);
      const take = size - rest.length;
      if (size < 0 || take > data.length) buf = Buffer.concat([rest, data]);
      else {
        this.parse(Buffer.concat([rest, data.subarray(0, take)]));
        if (this.done) return;
        buf = data.subarray(take);
      }
    } else if (rest) buf = Buffer.concat([rest, data]);
    if (this.accept !== null) {
      const end = buf.indexOf('\r\n\r\n');
      // a copy: the read's buffer is reused by the next read
      if (end < 0) return void (this.rest = Buffer.from(buf));
      const problem = checkResponse(buf.toString('latin1', 0, end), this.accept, this.wanted);
      if (problem) return this.finish(1002, problem);
      this.accept = null;
      this.wanted = undefined;
      this.open = true;
      this.handler.open(this);
      buf = buf.subarray(end + 4);
    }
    this.rest = this.parse(buf);
  }

  private parse(buf: Buffer): Buffer | null {
    try {
      return parseFrames(buf, this, this.handler.maxMessageBytes ?? MAX_MESSAGE_BYTES);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.fail(err.code, err.message);
      return null;
    }
  }

  /** @internal one frame: data frames are reassembled into messages, control frames answered */
  onFrame(b0: number, payload: Buffer): void {
    const op = b0 & 0x0f;
    if (op >= 8) return this.control(op, payload);
    const fin = (b0 & 0x80) !== 0;
    const f = this.frag;
    if (op === 0) {
      if (!f) throw new ProtocolError(1002, 'a continuation frame without a message to continue');
      f.bytes += payload.length;
      const max = this.handler.maxMessageBytes ?? MAX_MESSAGE_BYTES;
      if (f.bytes > max) throw new ProtocolError(1009, `a fragmented message exceeds the ${max}-byte message limit`);
      // a copy: the fragment must not pin the whole received chunk while the message is incomplete
      f.parts.push(Buffer.from(payload));
      if (!fin) return;
      this.frag = null;
      return this.message(f.op, Buffer.concat(f.parts, f.bytes));
    }
    if (f) throw new ProtocolError(1002, 'a new data frame inside a fragmented message');
    if (!fin) return void (this.frag = { op, parts: [Buffer.from(payload)], bytes: payload.length });
    this.message(op, payload); // the common case: one unfragmented frame, no copy
  }

  private message(op: number, payload: Buffer): void {
    if (op === OP.text && !isUtf8(payload)) throw new ProtocolError(1007, 'a text message is not valid UTF-8');
    if (!this.closing) this.handler.frame(this, payload, op === OP.binary, readAt);
  }

  private control(op: number, payload: Buffer): void {
    if (op === OP.ping) {
      if (!this.closing) this.wire.write(clientFrame(OP.pong, Buffer.from(payload)));
      return;
    }
    if (op !== OP.close) return; // a pong
    if (payload.length === 1) throw new ProtocolError(1002, 'a close frame with a one-byte payload');
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    if (payload.length >= 2 && !validCloseCode(code)) throw new ProtocolError(1002, `invalid close code ${code}`);
    const reason = payload.subarray(2);
    if (!isUtf8(reason)) throw new ProtocolError(1007, 'a close reason is not valid UTF-8');
    // answer a server's close with our own, echoing its code; after ours, its close is the answer
    if (!this.closing) this.wire.write(clientFrame(OP.close, closePayload(code)));
    this.end(code, reason.toString());
  }

  /** a protocol violation: close with its code, never reading the rest */
  private fail(code: number, reason: string): void {
    if (this.done) return;
    if (this.open || this.closing) this.wire.write(clientFrame(OP.close, closePayload(code, reason)));
    this.handler.protocolError?.(this, code, reason);
    this.end(code, reason);
  }

  /** ends the TCP connection after what was written (FIN, not RST), bounded by a timeout */
  private end(code: number, reason: string): void {
    this.wire.end();
    this.waitClose();
    this.report(code, reason);
  }

  /** @internal the connection is gone, or given up: no close handshake possible */
  finish(code: number, reason: string): void {
    this.wire.destroy();
    this.report(code, reason);
  }

  private report(code: number, reason: string): void {
    if (this.done) return;
    this.done = true;
    this.open = false;
    this.frag = null;
    this.rest = null;
    this.handler.close(this, code, reason);
  }
}

function onCloseTimeout(lean: LeanSocket): void {
  lean.lost('no close frame from the server');
}
