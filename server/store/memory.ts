/** Embedded store: per-room ring of the last `history` messages, in process memory. */
import { randomUUID } from 'node:crypto';
import type { MsgFrame } from '../../protocol/index.js';
import type { NewMessage, RoomHead, Store } from './store.js';

interface Log { epoch: string; head: number; ring: (MsgFrame | undefined)[] }

export class MemoryStore implements Store {
  readonly publishes = false;
  private readonly logs = new Map<string, Log>();
  constructor(private readonly history: number) {}

  private log(room: string): Log {
    let log = this.logs.get(room);
    if (!log) {
      log = { epoch: randomUUID(), head: 0, ring: new Array(this.history) };
      this.logs.set(room, log);
    }
    return log;
  }

  async append(m: NewMessage): Promise<MsgFrame> {
    const log = this.log(m.room);
    const seq = ++log.head;
    const msg: MsgFrame = { op: 'msg', room: m.room, seq, id: m.id, from: m.from, ts: Date.now(), body: m.body };
    if (m.meta !== undefined) msg.meta = m.meta;
    log.ring[seq % this.history] = msg;
    return msg;
  }

  async range(room: string, afterSeq: number, limit: number): Promise<MsgFrame[]> {
    const log = this.logs.get(room);
    if (!log) return [];
    const first = Math.max(afterSeq + 1, log.head - this.history + 1, 1);
    const last = Math.min(log.head, first + limit - 1);
    const out: MsgFrame[] = [];
    for (let s = first; s <= last; s++) out.push(log.ring[s % this.history]!);
    return out;
  }

  async head(room: string): Promise<RoomHead> {
    const log = this.log(room);
    return { head: log.head, epoch: log.epoch };
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {}
}
