/**
 * Embedded broker: the room logs live in this process (MemoryStore: a ring of the last `history`
 * messages per room) and a publish is delivered straight to this gateway's fan-out. It keeps no topic
 * set: the gateway's room index already knows which topics have local members and ignores the rest,
 * so an idle connection costs nothing here.
 */
import { randomUUID } from 'node:crypto';
import type { MsgFrame } from '../../protocol/index.js';
import {
  LogBroker, NO_EVENTS, storeOrRefuse,
  type Appended, type Broker, type BrokerEvents, type NewMessage, type Publish, type RoomHead, type Store,
} from './broker.js';

export class MemoryBroker extends LogBroker implements Broker {
  private events: BrokerEvents = NO_EVENTS;
  /** `store` is the log (a test may pass one that fails or stalls) */
  constructor(store: Store = new MemoryStore(100)) {
    super(store);
  }

  async publish(p: Publish, stored: (a: Appended) => void): Promise<void> {
    const a = await storeOrRefuse(this.store, p);
    stored(a);
    if (a.duplicate) return; // a retry was delivered the first time
    for (const topic of p.topics) this.events.publication({ topic, origin: p.origin, msg: a.msg, t0: p.t0, epoch: a.epoch });
  }

  async subscribe(): Promise<void> {}
  async unsubscribe(): Promise<void> {}
  on(events: BrokerEvents): void { this.events = events; }
  health(): { store: boolean; bus: boolean } { return { store: this.store.healthy(), bus: true }; }
  close(): Promise<void> { return this.store.close(); }
}

/**
 * One room's log. `ids` maps `from\0id` to seq for idempotent retries; it is rotated into `oldIds`
 * every `history` appends, so it remembers between history and 2×history messages, like the ring.
 */
interface Log { epoch: string; head: number; ring: (MsgFrame | undefined)[]; ids: Map<string, number>; oldIds: Map<string, number> }

export class MemoryStore implements Store {
  private readonly logs = new Map<string, Log>();
  constructor(private readonly history: number) {}

  private log(room: string): Log {
    let log = this.logs.get(room);
    if (!log) {
      log = { epoch: randomUUID(), head: 0, ring: new Array(this.history), ids: new Map(), oldIds: new Map() };
      this.logs.set(room, log);
    }
    return log;
  }

  async append(m: NewMessage): Promise<Appended> {
    const log = this.log(m.room);
    const key = `${m.from}\0${m.id}`;
    const first = log.ids.get(key) ?? log.oldIds.get(key);
    if (first !== undefined) {
      return { msg: { op: 'msg', room: m.room, seq: first, id: m.id, from: m.from, ts: Date.now(), body: m.body }, epoch: log.epoch, duplicate: true };
    }
    const seq = ++log.head;
    const msg: MsgFrame = { op: 'msg', room: m.room, seq, id: m.id, from: m.from, ts: Date.now(), body: m.body };
    if (m.meta !== undefined) msg.meta = m.meta;
    log.ring[seq % this.history] = msg;
    log.ids.set(key, seq);
    if (seq % this.history === 0) {
      log.oldIds = log.ids;
      log.ids = new Map();
    }
    return { msg, epoch: log.epoch, duplicate: false };
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

  async peek(room: string): Promise<RoomHead | null> {
    const log = this.logs.get(room);
    return log ? { head: log.head, epoch: log.epoch } : null;
  }

  async release(room: string): Promise<void> {
    if (this.logs.get(room)?.head === 0) this.logs.delete(room);
  }

  /** rooms with a log in memory (for tests of bounded memory) */
  get size(): number {
    return this.logs.size;
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {}
}
