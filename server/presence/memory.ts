/**
 * Embedded presence: a single process knows who is online from its own sessions, so it asks the
 * Hub instead of keeping a second map per user.
 */
import type { Hub } from '../hub.js';
import type { Presence } from './presence.js';

export class MemoryPresence implements Presence {
  constructor(private readonly hub: Hub) {}

  async online(): Promise<void> {}
  async offline(): Promise<void> {}
  async where(users: readonly string[]): Promise<Record<string, boolean>> {
    const out: Record<string, boolean> = {};
    for (const u of users) out[u] = this.hub.online(u);
    return out;
  }
  async close(): Promise<void> {}
}
