/**
 * The outbox's writes, straight to the socket's libuv handle when nothing is waiting in the socket:
 * net.Socket's Writable adds about 0.5 µs of JavaScript to each write (its state, callbacks and
 * counters), which is about 5% of what a delivery costs in small rooms (`npm run bench:gateway`,
 * regime (b)). Order is kept: a write goes direct only when neither the stream nor libuv holds
 * anything for the socket, and whatever is written after it (by the stream or directly) queues behind
 * it in libuv's one queue per handle. Everything else — a socket with output waiting, TLS, a Node
 * without the binding, BFG_TCP=net — takes `socket.write`. A write libuv finishes at once (nearly
 * all) allocates nothing here and reads nothing from C++ but the binding's shared state: its req
 * object is reused, and libuv's queue is read only for sockets it holds writes for. Paired (b) rounds
 * of this build against the one before, both on CPU 0: 0.965x CPU per delivery (median of 12).
 */
import type { Socket } from 'node:net';
import { nodeBinding } from '../common/binding.js';

interface Handle {
  writeQueueSize: number;
  writeBuffer(req: object, b: Buffer): number;
  writev(req: object, chunks: Buffer[], allBuffers: boolean): number;
}
interface WriteReq { oncomplete: (status: number) => void; buffer: Buffer | Buffer[]; owner: Writer | undefined }

/**
 * What writes to a socket: the socket and its count of direct writes libuv still holds. Reading the
 * handle's `writeQueueSize` is a call into C++ (about 2% of a delivery's CPU in regime (b), read twice
 * per write); a stream write still in libuv is in `writableLength` until it completes, so with this
 * count nothing waits when both are 0. The count lives on the writer (the Session), not on the socket,
 * so no property is added to a net.Socket on its first async write.
 */
export interface Writer { readonly socket: Socket; held: number }

const stream = nodeBinding('stream_wrap');
const WriteWrap: (new () => WriteReq) | undefined = typeof stream?.WriteWrap === 'function' ? stream.WriteWrap : undefined;
/** what the binding tells of its last write: whether libuv kept part of it (the write completes later) */
const state: Int32Array | undefined = stream?.streamBaseState instanceof Int32Array && typeof stream.kLastWriteWasAsync === 'number' ? stream.streamBaseState : undefined;
const LAST_WAS_ASYNC: number = stream?.kLastWriteWasAsync;

/** a req object no write holds (only where the binding says which writes went async) */
let spare: WriteReq | undefined;
const EMPTY = Buffer.alloc(0);
function newReq(Wrap: new () => WriteReq): WriteReq {
  const req = new Wrap();
  req.oncomplete = afterWrite;
  return req;
}

const handleOf = (sock: Socket): Handle | undefined => (sock as unknown as { _handle?: Handle | null })._handle ?? undefined;

/** whether libuv may hold output for the socket that the stream does not count */
const libuvHolds = (w: Writer): boolean => !state || w.held > 0;

/** bytes a socket has not handed to the kernel yet: the stream's and libuv's (a stream write still in libuv counts twice: an upper bound) */
export function pendingBytes(w: Writer): number {
  const sock = w.socket;
  return sock.writableLength + (libuvHolds(w) ? handleOf(sock)?.writeQueueSize ?? 0 : 0);
}

/** libuv finished a write it could not finish at once (only those complete here); a failure closes the socket, as a stream write's would */
function afterWrite(this: WriteReq, status: number): void {
  // only a req that went async completes, and it carries its writer (the reused one never does)
  const w = this.owner!;
  if (w.held > 0) w.held--;
  if (status < 0) w.socket.destroy();
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
  if (!WriteWrap || !h || sock.writableLength !== 0 || (libuvHolds(w) && h.writeQueueSize !== 0) || (sock as { encrypted?: boolean }).encrypted) {
    if (!Array.isArray(out)) sock.write(out);
    else {
      sock.cork();
      for (const b of out) sock.write(b);
      sock.uncork();
    }
    return bytes;
  }
  // a write libuv finished at once leaves its req untouched: the next write takes it again
  const req = spare ?? newReq(WriteWrap);
  spare = undefined;
  req.buffer = out; // held until libuv has written it, when it could not at once
  req.owner = w;
  const err = Array.isArray(out) ? h.writev(req, out, true) : h.writeBuffer(req, out);
  // EPIPE, ECONNRESET: the peer is gone; ws hears the close and ends the session
  if (err) sock.destroy();
  else if (!state) return bytes;
  else if (state[LAST_WAS_ASYNC]) w.held++;
  else {
    req.buffer = EMPTY;
    req.owner = undefined;
    spare = req;
  }
  return bytes;
}
