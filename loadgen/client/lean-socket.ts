/**
 * The lean client: a WebSocket on a bare net.Socket, with no per-connection closures, streams or
 * timers beyond the socket itself, so an idle connection costs the agent about the socket's own size.
 */
import net from 'node:net';
import { checkResponse, upgradeRequest } from './handshake.js';
import { OP, clientFrame, frameSize, parseFrames } from './codec.js';

/** What a lean socket reports to its owner; one object shared by many sockets. */
export interface LeanHandler {
  open(s: LeanSocket): void;
  frame(s: LeanSocket, payload: Buffer, binary: boolean): void;
  /** code 1006 when the TCP connection ended without a close frame */
  close(s: LeanSocket, code: number, reason: string): void;
}

type Sock = net.Socket & { lean: LeanSocket };

export class LeanSocket {
  private sock: Sock;
  /** bytes of an unfinished handshake or frame */
  private rest: Buffer | null = null;
  private accept: string | null;
  open = false;
  private done = false;

  constructor(readonly handler: LeanHandler, readonly owner: number, url: URL, protocol: string, localAddress?: string) {
    const { request, accept } = upgradeRequest(url.host, url.pathname + url.search, protocol);
    this.accept = accept;
    this.sock = net.connect({ host: url.hostname, port: Number(url.port || 80), localAddress, noDelay: true }) as Sock;
    this.sock.lean = this;
    this.sock.write(request);
    this.sock.on('data', onData);
    this.sock.on('error', onError);
    this.sock.on('close', onClose);
  }

  /** sends one text or binary message */
  send(payload: Buffer, binary = false): void {
    if (this.open) this.sock.write(clientFrame(binary ? OP.binary : OP.text, payload));
  }

  /** stops reading (a slow reader) or starts again */
  pause(on: boolean): void {
    if (on) this.sock.pause();
    else this.sock.resume();
  }

  /** closes with a close frame */
  close(code = 1000): void {
    if (!this.open) return this.destroy();
    const p = Buffer.allocUnsafe(2);
    p.writeUInt16BE(code);
    this.sock.end(clientFrame(OP.close, p));
  }

  /** drops the TCP connection at once, as a network failure would */
  destroy(): void {
    this.sock.destroy();
  }

  /** @internal */
  onBytes(data: Buffer): void {
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
      if (end < 0) return void (this.rest = buf);
      const problem = checkResponse(buf.toString('latin1', 0, end), this.accept);
      if (problem) return this.finish(1002, problem);
      this.accept = null;
      this.open = true;
      this.handler.open(this);
      buf = buf.subarray(end + 4);
    }
    this.rest = this.parse(buf);
  }

  private parse(buf: Buffer): Buffer | null {
    try {
      return parseFrames(buf, this);
    } catch (err) {
      this.finish(1002, (err as Error).message);
      return null;
    }
  }

  /** @internal */
  onFrame(op: number, payload: Buffer): void {
    if (op === OP.text || op === OP.binary) this.handler.frame(this, payload, op === OP.binary);
    else if (op === OP.ping) this.sock.write(clientFrame(OP.pong, Buffer.from(payload)));
    else if (op === OP.close) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.finish(code, payload.subarray(2).toString());
    }
  }

  /** @internal */
  finish(code: number, reason: string): void {
    if (this.done) return;
    this.done = true;
    this.open = false;
    this.sock.destroy();
    this.handler.close(this, code, reason);
  }
}

function onData(this: Sock, d: Buffer): void {
  this.lean.onBytes(d);
}
function onError(this: Sock, err: Error): void {
  this.lean.finish(1006, err.message);
}
function onClose(this: Sock): void {
  this.lean.finish(1006, 'connection ended');
}
