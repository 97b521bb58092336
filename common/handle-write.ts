/**
 * One write on a libuv stream handle, without a net.Socket's Writable around it: the write logic the
 * gateway's outbox (server/socket-write.ts) and the lean client (loadgen/client/tcp.ts) share. A
 * write libuv finishes at once leaves its request object untouched, so the next write reuses it;
 * one that libuv keeps (the kernel could not take it all) completes later through `done`.
 */
import { nodeBinding } from './binding.js';

/** the part of a libuv stream handle a write needs */
export interface WritableHandle {
  writeBuffer(req: object, b: Buffer): number;
  writev(req: object, chunks: Buffer[], allBuffers: boolean): number;
}
interface WriteReq<O> { oncomplete: (status: number) => void; buffer: Buffer | Buffer[]; owner: O | undefined; writer: HandleWriter<O> }

const stream = nodeBinding('stream_wrap');
const WriteWrap: (new () => object) | undefined = typeof stream?.WriteWrap === 'function' ? stream.WriteWrap : undefined;
/** what the binding tells of its last write: whether libuv kept part of it (the write completes later) */
const state: Int32Array | undefined = stream?.streamBaseState instanceof Int32Array && typeof stream.kLastWriteWasAsync === 'number' ? stream.streamBaseState : undefined;
const LAST_WAS_ASYNC: number = stream?.kLastWriteWasAsync;
const EMPTY = Buffer.alloc(0);

/** Whether this Node lets a write go to the handle directly. */
export const canWriteHandles = WriteWrap !== undefined;
/** Whether the binding says which writes libuv kept; without it every write is taken as kept. */
export const knowsAsyncWrites = state !== undefined;

/** the outcome of one write */
export const WRITTEN = 0, KEPT = 1;

function complete<O>(this: WriteReq<O>, status: number): void {
  const owner = this.owner!;
  this.buffer = EMPTY;
  this.owner = undefined;
  this.writer.done(owner, status);
}

/** Writes on handles, reusing one request object while writes finish at once. */
export class HandleWriter<O> {
  private spare: WriteReq<O> | undefined;

  /** `done(owner, status)` is called for each write libuv kept, when it completes (status < 0: failed) */
  constructor(readonly done: (owner: O, status: number) => void) {}

  /**
   * Writes `data` on `h`; returns a negative errno, WRITTEN (libuv finished it) or KEPT (libuv holds
   * part of it, and `done(owner)` follows). Only where `canWriteHandles`.
   */
  write(h: WritableHandle, data: Buffer | Buffer[], owner: O): number {
    let req = this.spare;
    this.spare = undefined;
    if (!req) {
      req = new WriteWrap!() as WriteReq<O>;
      req.oncomplete = complete;
      req.writer = this;
    }
    req.buffer = data; // held until libuv has written it, when it could not at once
    req.owner = owner;
    const err = Array.isArray(data) ? h.writev(req, data, true) : h.writeBuffer(req, data);
    if (err) return err;
    if (!state || state[LAST_WAS_ASYNC]) return KEPT;
    req.buffer = EMPTY;
    req.owner = undefined;
    this.spare = req;
    return WRITTEN;
  }
}
