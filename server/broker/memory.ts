/**
 * Embedded broker: the room logs live in this process (MemoryStore: a ring of the last `history`
 * messages per room) and a publish is delivered straight to this gateway's fan-out. It keeps no topic
 * set: the gateway's room index already knows which topics have local members and ignores the rest,
 * so an idle connection costs nothing here.
 */
import { randomUUID } from 'node:crypto';
import { BfgError, type MsgFrame } from '../../protocol/index.js';
import {
  LogBroker, NO_EVENTS, storeOrRefuse,
  type Appended, type Broker, type BrokerEvents, type NewMessage, type Publish, type RoomHead, type Signal, type Store,
} from './broker.js';

export class MemoryBroker extends LogBroker implements Broker {
  private events: BrokerEvents = NO_EVENTS;
  /** `store` is the log (a test may pass one that fails or stalls) */
  constructor(store: Store = new MemoryStore(100)) {
    super(store);
  }

  /** at once through a store that can append at once (the MemoryStore), else after the store's promise */
  publish(p: Publish, stored: (a: Appended) => void): Promise<void> | undefined {
    const store = this.store;
    if (!store.appendNow || !store.healthy()) return storeOrRefuse(store, p).then((a) => this.deliver(p, a, stored));
    let a: Appended;
    try {
      a = store.appendNow(p);
    } catch (err) {
      throw new BfgError('store_unavailable', (err as Error).message);
    }
    this.deliver(p, a, stored);
    return undefined;
  }

  private deliver(p: Publish, a: Appended, stored: (a: Appended) => void): void {
    stored(a);
    if (a.duplicate) return; // a retry was delivered the first time
    for (const topic of p.topics) this.events.publication({ topic, origin: p.origin, msg: a.msg, t0: p.t0, epoch: a.epoch });
  }

  signal(s: Signal): void {
    for (const topic of s.topics) this.events.signal(topic, s);
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
 * `bytes` is what the log holds by the store's count (`sizes` per ring slot).
 */
interface Log {
  epoch: string; head: number; ring: (MsgFrame | undefined)[]; sizes: number[]; bytes: number;
  ids: Map<string, number>; oldIds: Map<string, number>;
  /** last read seq per user (null until the first receipt) */
  reads: Map<string, number> | null;
}

/** what a message costs the store by its count: body and meta, plus its object, its id and its ids entry */
const MSG_OVERHEAD = 256;
/** what an empty log costs: its ring, its maps and its epoch */
const LOG_OVERHEAD = 1024;
/** what one user's read mark costs (its map entry), besides the user id's characters */
const READ_OVERHEAD = 64;

export class MemoryStore implements Store {
  private readonly logs = new Map<string, Log>();
  /** logs of rooms no local member is in (DM logs, rooms everyone left), least recently written first: the ones the budget drops */
  private readonly idle = new Map<string, Log>();
  /** rooms whose head a join read and whose last member has not left */
  private readonly pinned = new Set<string>();
  private total = 0;
  /** room logs dropped to stay within the budget, since start */
  evicted = 0;

  /**
   * `history`: messages kept per room. `budgetBytes`: what all logs may hold by the store's count
   * (body + meta + 256 per message, 1 KiB per log); past it the least recently written log of a
   * room with no member is dropped whole, so a later join gets a new epoch and `recovered: false`
   * (as after a lost log). Rooms with members are never dropped: they are bounded by connections ×
   * max rooms × history.
   */
  constructor(private readonly history: number, private readonly budgetBytes = Infinity) {}

  private log(room: string, pin: boolean): Log {
    let log = this.logs.get(room);
    if (!log) {
      log = { epoch: randomUUID(), head: 0, ring: new Array(this.history), sizes: new Array(this.history).fill(0), bytes: LOG_OVERHEAD, ids: new Map(), oldIds: new Map(), reads: null };
      this.logs.set(room, log);
      this.total += LOG_OVERHEAD;
    }
    if (pin) {
      this.pinned.add(room);
      this.idle.delete(room);
    } else if (!this.pinned.has(room)) this.toIdleEnd(room, log);
    return log;
  }

  /** puts a room without members last among the logs the budget may drop (the most recently written or left) */
  private toIdleEnd(room: string, log: Log): void {
    this.idle.delete(room);
    this.idle.set(room, log);
  }

  async append(m: NewMessage): Promise<Appended> {
    return this.appendNow(m);
  }

  appendNow(m: NewMessage): Appended {
    const log = this.log(m.room, false);
    const key = `${m.from}\0${m.id}`;
    const first = log.ids.get(key) ?? log.oldIds.get(key);
    if (first !== undefined) {
      return { msg: { op: 'msg', room: m.room, seq: first, id: m.id, from: m.from, ts: Date.now(), body: m.body }, epoch: log.epoch, duplicate: true };
    }
    const seq = ++log.head;
    const msg: MsgFrame = { op: 'msg', room: m.room, seq, id: m.id, from: m.from, ts: Date.now(), body: m.body };
    if (m.meta !== undefined) msg.meta = m.meta;
    const slot = seq % this.history;
    const size = (m.bytes ?? (typeof m.body === 'string' ? Buffer.byteLength(m.body) : m.body.length)) + MSG_OVERHEAD;
    log.ring[slot] = msg;
    const grown = size - log.sizes[slot];
    log.sizes[slot] = size;
    log.bytes += grown;
    this.total += grown;
    log.ids.set(key, seq);
    if (slot === 0) {
      log.oldIds = log.ids;
      log.ids = new Map();
    }
    if (this.total > this.budgetBytes) this.trim(m.room);
    return { msg, epoch: log.epoch, duplicate: false };
  }

  /** drops the least recently written logs of rooms without members until the count is within the budget (never `keep`, just written) */
  private trim(keep: string): void {
    for (const [room, log] of this.idle) {
      if (this.total <= this.budgetBytes) return;
      if (room === keep) continue;
      this.idle.delete(room);
      this.logs.delete(room);
      this.total -= log.bytes;
      this.evicted++;
    }
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

  async rangeBefore(room: string, beforeSeq: number, limit: number): Promise<MsgFrame[]> {
    const log = this.logs.get(room);
    if (!log) return [];
    const last = Math.min(log.head, beforeSeq - 1);
    const first = Math.max(last - limit + 1, log.head - this.history + 1, 1);
    const out: MsgFrame[] = [];
    for (let s = first; s <= last; s++) out.push(log.ring[s % this.history]!);
    return out;
  }

  /** a join reads the head: its room has a member from here until `release` */
  async head(room: string, reader?: string): Promise<RoomHead> {
    const log = this.log(room, true);
    return reader === undefined ? { head: log.head, epoch: log.epoch } : { head: log.head, epoch: log.epoch, lastRead: log.reads?.get(reader) ?? 0 };
  }

  /** a read mark is counted in its log's bytes, so receipts are held by the same budget as messages */
  async markRead(room: string, user: string, seq: number): Promise<{ before: number; after: number }> {
    const log = this.logs.get(room);
    const before = log?.reads?.get(user) ?? 0;
    const after = Math.min(seq, log?.head ?? 0);
    if (!log || after <= before) return { before, after: before };
    if (before === 0) {
      const size = READ_OVERHEAD + 2 * user.length;
      log.bytes += size;
      this.total += size;
    }
    (log.reads ??= new Map()).set(user, after);
    return { before, after };
  }

  async peek(room: string): Promise<RoomHead | null> {
    const log = this.logs.get(room);
    return log ? { head: log.head, epoch: log.epoch } : null;
  }

  /** the room's last member left: an empty log is freed, one with messages may be dropped by the budget */
  async release(room: string): Promise<void> {
    this.pinned.delete(room);
    const log = this.logs.get(room);
    if (!log) return;
    if (log.head === 0) {
      this.logs.delete(room);
      this.idle.delete(room);
      this.total -= log.bytes;
      return;
    }
    this.toIdleEnd(room, log);
    if (this.total > this.budgetBytes) this.trim('');
  }

  /** rooms with a log in memory (for tests of bounded memory) */
  get size(): number {
    return this.logs.size;
  }

  /** what the logs hold by the store's count (body + meta + 256 per message, 1 KiB per log) */
  get bytes(): number {
    return this.total;
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {}
}
