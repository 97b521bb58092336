/**
 * The outbox's writes, straight to the socket's libuv handle when nothing is waiting in the socket:
 * net.Socket's Writable adds JavaScript to each write (its state, callbacks and counters) that is a
 * visible share of what a delivery costs in small rooms (`bench:gateway`, docs/benchmarks.md). Order
 * is kept: a write goes direct only when neither the stream nor libuv holds anything for the socket,
 * and whatever is written after it (by the stream or directly) queues behind it in libuv's one queue
 * per handle. Everything else — a socket with output waiting, TLS, a Node without the binding,
 * BFG_TCP=net — takes `socket.write`. The handle write itself is common/handle-write.ts.
 */
import type { Socket } from 'node:net';
import { HandleWriter, KEPT, canWriteHandles, knowsAsyncWrites, type WritableHandle } from '../common/handle-write.js';

interface Handle extends WritableHandle { writeQueueSize: number }

/**
 * What writes to a socket: the socket and its count of direct writes libuv still holds. Reading the
 * handle's `writeQueueSize` is a call into C++ on the hot path; a stream write still in libuv is in
 * `writableLength` until it completes, so with this count nothing waits when both are 0. The count
 * lives on the writer (the Session), not on the socket, so no property is added to a net.Socket.
 */
export interface Writer { readonly socket: Socket; inLibuv: number }

/** a write libuv kept has completed; a failure closes the socket, as a stream write's would */
const writer = new HandleWriter<Writer>((w, status) => {
  if (w.inLibuv > 0) w.inLibuv--;
  if (status < 0) w.socket.destroy();
});

const handleOf = (sock: Socket): Handle | undefined => (sock as unknown as { _handle?: Handle | null })._handle ?? undefined;

/** whether libuv may hold output for the socket that the stream does not count */
const libuvHolds = (w: Writer): boolean => !knowsAsyncWrites || w.inLibuv > 0;

/** bytes a socket has not handed to the kernel yet: the stream's and libuv's (a stream write still in libuv counts twice: an upper bound) */
export function pendingBytes(w: Writer): number {
  const sock = w.socket;
  return sock.writableLength + (libuvHolds(w) ? handleOf(sock)?.writeQueueSize ?? 0 : 0);
}

/**
 * Writes one frame, or several as one writev, in order after whatever the socket already holds;
 * returns the bytes (0 for a destroyed socket, which is written nothing).
 */
export function writeFrames(w: Writer, out: Buffer | Buffer[]): number {
  const sock = w.socket;
  let bytes = 0;
  if (!Array.isArray(out)) bytes = out.length;
  else for (const b of out) bytes += b.length;
  // a destroyed net.Socket has no handle: the one property read that says so, on the common path
  const h = handleOf(sock);
  if (!h && sock.destroyed) return 0;
  if (!canWriteHandles || !h || sock.writableLength !== 0 || (libuvHolds(w) && h.writeQueueSize !== 0) || (sock as { encrypted?: boolean }).encrypted) {
    if (!Array.isArray(out)) sock.write(out);
    else {
      sock.cork();
      for (const b of out) sock.write(b);
      sock.uncork();
    }
    return bytes;
  }
  const r = writer.write(h, out, w);
  // EPIPE, ECONNRESET: the peer is gone; ws hears the close and ends the session
  if (r < 0) sock.destroy();
  else if (r === KEPT && knowsAsyncWrites) w.inLibuv++;
  return bytes;
}
