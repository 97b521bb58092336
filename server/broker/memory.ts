/**
 * Embedded broker: the room logs live in this process (MemoryStore) and a publish is delivered
 * straight to this gateway's fan-out. It keeps no topic set: the gateway's room index already knows
 * which topics have local members and ignores the rest, so an idle connection costs nothing here.
 */
import { MemoryStore } from '../store/memory.js';
import type { Store } from '../store/store.js';
import { LogBroker, NO_EVENTS, storeOrRefuse, type Appended, type Broker, type BrokerEvents, type Publish } from './broker.js';

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
