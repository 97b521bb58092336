/** Embedded presence: a count of live sessions per user. */
import type { Presence } from './presence.js';

export class MemoryPresence implements Presence {
  private readonly sessions = new Map<string, number>();

  async online(user: string): Promise<void> {
    this.sessions.set(user, (this.sessions.get(user) ?? 0) + 1);
  }
  async offline(user: string): Promise<void> {
    const n = (this.sessions.get(user) ?? 1) - 1;
    if (n > 0) this.sessions.set(user, n);
    else this.sessions.delete(user);
  }
  async where(users: readonly string[]): Promise<Record<string, boolean>> {
    const out: Record<string, boolean> = {};
    for (const u of users) out[u] = this.sessions.has(u);
    return out;
  }
  async close(): Promise<void> {
    this.sessions.clear();
  }
}
