/**
 * The outbox's writes, straight to the socket's libuv handle when nothing is waiting in the socket:
 * net.Socket's Writable adds about 0.5 µs of JavaScript to each write (its state, callbacks and
 * counters), which is about 5% of what a delivery costs in small rooms (`npm run bench:gateway`,
 * regime (b)). Order is kept: a write goes direct only when neither the stream nor libuv holds
 * anything for the socket, and whatever is written after it (by the stream or directly) queues behind
 * it in libuv's one queue per handle. Everything else — a socket with output waiting, TLS, a Node
 * without the binding, BFG_TCP=net — takes `socket.write`.
 */
import type { Socket } from 'node:net';
import { nodeBinding } from '../common/binding.js';

interface Handle {
  writeQueueSize: number;
  writeBuffer(req: object, b: Buffer): number;
  writev(req: object, chunks: Buffer[], allBuffers: boolean): number;
}
interface WriteReq { oncomplete: (status: number) => void; buffer: Buffer | Buffer[]; socket: Socket }

const stream = nodeBinding('stream_wrap');
const WriteWrap: (new () => WriteReq) | undefined = typeof stream?.WriteWrap === 'function' ? stream.WriteWrap : undefined;

const handleOf = (sock: Socket): Handle | undefined => (sock as unknown as { _handle?: Handle | null })._handle ?? undefined;

/** bytes a socket has not handed to the kernel yet: the stream's and libuv's (a stream write still in libuv counts twice: an upper bound) */
export function pendingBytes(sock: Socket): number {
  return sock.writableLength + (handleOf(sock)?.writeQueueSize ?? 0);
}

/** libuv finished a write it could not finish at once; a failure closes the socket, as a stream write's would */
function afterWrite(this: WriteReq, status: number): void {
  if (status < 0) this.socket.destroy();
}

/** Writes one frame, or several as one writev, in order after whatever the socket already holds; returns the bytes. */
export function writeFrames(sock: Socket, out: Buffer | Buffer[]): number {
  let bytes = 0;
  if (!Array.isArray(out)) bytes = out.length;
  else for (const b of out) bytes += b.length;
  const h = handleOf(sock);
  if (!WriteWrap || !h || sock.writableLength !== 0 || h.writeQueueSize !== 0 || (sock as { encrypted?: boolean }).encrypted) {
    if (!Array.isArray(out)) sock.write(out);
    else {
      sock.cork();
      for (const b of out) sock.write(b);
      sock.uncork();
    }
    return bytes;
  }
  const req = new WriteWrap();
  req.oncomplete = afterWrite;
  req.buffer = out; // held until libuv has written it
  req.socket = sock;
  const err = Array.isArray(out) ? h.writev(req, out, true) : h.writeBuffer(req, out);
  // EPIPE, ECONNRESET: the peer is gone; ws hears the close and ends the session
  if (err) sock.destroy();
  return bytes;
}
