/** A store for tests of durable-before-ack: its appends wait until released. */
import type { NewMessage } from '../../server/broker/broker.js';
import { MemoryStore } from '../../server/broker/memory.js';

/** A MemoryStore whose `append` resolves only after `release()`; it has no `appendNow`, as a store that persists later has none. */
export function gatedStore(history = 100): { store: MemoryStore; inner: MemoryStore; release: () => void } {
  const inner = new MemoryStore(history);
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const store = Object.assign(Object.create(inner) as MemoryStore, {
    append: async (m: NewMessage) => { await gate; return inner.append(m); },
    appendNow: undefined,
  });
  return { store, inner, release };
}
