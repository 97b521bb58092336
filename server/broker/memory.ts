/**
 * Embedded broker: the room logs live in this process (MemoryStore) and a publish is delivered
 * straight to this gateway's fan-out. It keeps no topic set: the gateway's room index already knows
 * which topics have local members and ignores the rest, so an idle connection costs nothing here.
 */
import type { MsgFrame } from '../../protocol/index.js';
import { MemoryStore } from '../store/memory.js';
import type { Store } from '../store/store.js';
import { NO_EVENTS, storeOrRefuse, type Appended, type Broker, type BrokerEvents, type Publish, type RoomHead } from './broker.js';

export class MemoryBroker implements Broker {
  private events: BrokerEvents = NO_EVENTS;
  /** `store` is the log (a test may pass one that fails or stalls) */
  constructor(readonly store: Store = new MemoryStore(100)) {}

  async publish(p: Publish, stored: (a: Appended) => void): Promise<void> {
    const a = await storeOrRefuse(this.store, p);
    stored(a);
    if (a.duplicate) return; // a retry was delivered the first time
    for (const topic of p.topics) this.events.publication({ topic, origin: p.origin, msg: a.msg, t0: p.t0, epoch: a.epoch });
  }

  history(room: string, afterSeq: number, limit: number): Promise<MsgFrame[]> { return this.store.range(room, afterSeq, limit); }
  head(room: string): Promise<RoomHead> { return this.store.head(room); }
  peek(room: string): Promise<RoomHead | null> { return this.store.peek(room); }
  release(room: string): Promise<void> { return this.store.release(room); }
  async subscribe(): Promise<void> {}
  async unsubscribe(): Promise<void> {}
  on(events: BrokerEvents): void { this.events = events; }
  health(): { store: boolean; bus: boolean } { return { store: this.store.healthy(), bus: true }; }
  close(): Promise<void> { return this.store.close(); }
}
