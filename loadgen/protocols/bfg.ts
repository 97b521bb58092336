/**
 * BFG's own protocol (JSON, msgpack or Protocol Buffers): per-room seqs with recovery from a position, acks with the
 * seq, DMs, and history over HTTP for the end-of-run backfill. The stamp rides in `meta`.
 */
import { decodeServerFrame, encodeFrame, subprotocolOf, type ClientFrame, type Format } from '../../protocol/index.js';
import { fastEphemeral, fastMsg, fastProtoMsg } from './fast-msg.js';
import type { Vu } from '../agent/vu.js';
import type { Adapter, Dial, Guarantees, ProtocolSink, Stamp } from './adapter.js';
import { readStamp } from './adapter.js';

export class BfgAdapter implements Adapter {
  readonly name = 'bfg';
  readonly guarantees: Guarantees = { seq: true, recovery: true, order: 'room', history: true, dm: true };
  readonly echo = false;
  /** one stamp object reused for every received message (the sink reads it and lets go) */
  private readonly st: Stamp = { s: -1, n: -1, k: -1, i: 0, t: 0 };
  private readonly binary: boolean;

  constructor(private readonly sink: ProtocolSink, private readonly format: Format) {
    this.binary = format !== 'json';
  }

  dial(base: string, vu: Vu, token?: string): Dial {
    const url = new URL(base);
    url.searchParams.set('user', vu.user);
    if (token) url.searchParams.set('token', token);
    return { url, subprotocol: subprotocolOf(this.format) };
  }

  opened(vu: Vu): void {
    this.sink.ready(vu);
  }

  private send(vu: Vu, f: ClientFrame): void {
    this.sink.write(vu, encodeFrame(f, this.format), this.binary);
  }

  join(vu: Vu, room: string, after?: number, epoch?: string): void {
    this.send(vu, after === undefined ? { op: 'join', room } : { op: 'join', room, after, epoch: epoch || undefined });
  }

  publish(vu: Vu, room: string, id: string, stamp: Stamp, body: string): void {
    // the stamp is the meta as it is: its keys end with i, t, which the fast path reads from the frame's end
    this.send(vu, { op: 'send', room, id, body, meta: stamp as unknown as Record<string, unknown> });
  }

  dm(vu: Vu, to: string, id: string, stamp: Stamp, body: string): void {
    this.send(vu, { op: 'dm', to, id, body, meta: stamp as unknown as Record<string, unknown> });
  }

  typing(vu: Vu, room: string): void {
    this.send(vu, { op: 'typing', room });
  }

  read(vu: Vu, room: string, seq: number): void {
    this.send(vu, { op: 'read', room, seq });
  }

  frame(vu: Vu, payload: Buffer, binary: boolean, at: number): void {
    const sink = this.sink, st = this.st;
    const fast = !binary ? fastMsg(payload, vu.room) : this.format === 'proto' ? fastProtoMsg(payload, vu.room) : undefined;
    if (fast) {
      if (fast.t === undefined) return sink.message(vu, fast.room, fast.seq, undefined, at);
      st.t = fast.t;
      st.i = fast.i ?? fast.t;
      return sink.message(vu, fast.room, fast.seq, st, at);
    }
    // typing and receipts can outnumber messages many times: their JSON is read in place too
    const e = binary ? undefined : fastEphemeral(payload);
    if (e) return sink.ephemeral?.(vu, e.kind, e.ts, at);
    let f;
    try {
      f = decodeServerFrame(payload, this.format);
    } catch {
      return sink.undecodable(vu);
    }
    switch (f.op) {
      case 'msg': return sink.message(vu, f.room, f.seq, readStamp(f.meta), at);
      case 'ack': return sink.acked(vu, f.id, f.seq);
      case 'joined': return sink.joined(vu, f.room, at, f.head, f.epoch, f.recovered);
      case 'error': return sink.error(vu, f.code, f.ref);
      case 'drain': return sink.drain(vu, f.retryAfterMs);
      case 'typing': case 'read': return sink.ephemeral?.(vu, f.op, f.ts, at);
      default: return;
    }
  }

  closed(): void {}
}
