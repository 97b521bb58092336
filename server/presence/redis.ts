/**
 * Redis presence: a hash per user, field = node, value = last heartbeat (ms). Each node beats for
 * its local users every beatMs; an entry older than staleMs does not count, and a sweeper deletes it,
 * so a node that died without saying so drops out by itself.
 */
import type { Redis } from 'ioredis';
import type { Presence } from './presence.js';

const key = (user: string) => `bfg:presence:{${user}}`;

export class RedisPresence implements Presence {
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly redis: Redis, private readonly node: string, private readonly staleMs: number) {}

  /** starts heartbeats for the users `local()` returns, and the sweeper */
  start(local: () => Iterable<string>, beatMs: number): void {
    this.timers.push(setInterval(() => void this.beat(local()).catch(() => {}), beatMs).unref());
    this.timers.push(setInterval(() => void this.sweep().catch(() => {}), beatMs).unref());
  }

  async online(user: string): Promise<void> {
    await this.redis.hset(key(user), this.node, Date.now());
  }

  async offline(user: string): Promise<void> {
    await this.redis.hdel(key(user), this.node);
  }

  /** refreshes every local user's entry in one pipeline */
  async beat(users: Iterable<string>): Promise<void> {
    const p = this.redis.pipeline();
    const now = Date.now();
    for (const u of users) p.hset(key(u), this.node, now);
    await p.exec();
  }

  async where(users: readonly string[]): Promise<Record<string, boolean>> {
    const p = this.redis.pipeline();
    for (const u of users) p.hvals(key(u));
    const res = (await p.exec()) ?? [];
    const fresh = Date.now() - this.staleMs;
    const out: Record<string, boolean> = {};
    users.forEach((u, i) => { out[u] = ((res[i]?.[1] as string[]) ?? []).some((v) => Number(v) > fresh); });
    return out;
  }

  /** deletes entries whose heartbeat is older than staleMs */
  async sweep(): Promise<number> {
    const fresh = Date.now() - this.staleMs;
    let cursor = '0', removed = 0;
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', 'bfg:presence:*', 'COUNT', 500);
      cursor = next;
      for (const k of keys) {
        const h = await this.redis.hgetall(k);
        const stale = Object.entries(h).filter(([, v]) => Number(v) <= fresh).map(([f]) => f);
        if (stale.length) removed += await this.redis.hdel(k, ...stale);
      }
    } while (cursor !== '0');
    return removed;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
  }
}
