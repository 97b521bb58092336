/**
 * Redis presence that scales with nodes, not users. Each node keeps one liveness key with a TTL,
 * beaten every beatMs: O(nodes) writes. A user's entry is a hash naming the nodes it is on, written
 * when its first session opens on a node and when its last one closes there — never per beat. A user
 * is online when one of its nodes is alive. Which nodes are alive is read once per beat (one SCAN of
 * the node keys), so where() is one pipeline of HGETALL. Entries naming dead nodes are removed lazily on
 * read, and by a background pass that runs only after a node has died (and once at start): one bounded
 * SCAN step of user keys per beat, pipelined, until it has gone round once — never a round trip per
 * user, and nothing at all while every node lives.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Presence } from './presence.js';

const userKey = (user: string) => `bfg:presence:{${user}}`;
const nodeKey = (node: string) => `bfg:node:${node}`;
const NODE_PREFIX = 'bfg:node:';
/** user keys the background pass looks at per beat */
const SWEEP_COUNT = 200;
// deletes a user's entry for a node only if it still holds the stale incarnation (the node may be back)
const FORGET = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0`;
type Stale = [key: string, entries: [node: string, incarnation: string][]];

export class RedisPresence implements Presence {
  private timer?: NodeJS.Timeout;
  /**
   * live nodes at the last beat, each with its incarnation (a random id per process): an entry written
   * by an earlier process under the same node id does not count once that node restarts
   */
  private live = new Map<string, string>();
  private readonly incarnation = randomUUID();
  private cursor = '0';
  /** a pass over the user keys is due: a node died (or this node just started) */
  private sweeping = true;

  constructor(private readonly redis: Redis, private readonly node: string, private readonly staleMs: number) {
    this.live.set(node, this.incarnation);
    redis.defineCommand('bfgForget', { numberOfKeys: 1, lua: FORGET });
  }

  private alive(node: string, incarnation: string): boolean {
    return this.live.get(node) === incarnation;
  }

  /** beats this node's liveness key every beatMs, refreshes the live-node set, and sweeps a bounded slice */
  start(beatMs: number): void {
    const tick = () => void this.beat().then(() => (this.sweeping ? this.sweep() : 0)).catch(() => {});
    tick();
    this.timer = setInterval(tick, beatMs).unref();
  }

  /** one SET with a TTL for this node, and one SCAN + MGET of the (few) node keys */
  async beat(): Promise<void> {
    await this.redis.set(nodeKey(this.node), this.incarnation, 'PX', this.staleMs);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', `${NODE_PREFIX}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    const values = keys.length ? await this.redis.mget(...keys) : [];
    const live = new Map<string, string>([[this.node, this.incarnation]]);
    keys.forEach((k, i) => { if (values[i]) live.set(k.slice(NODE_PREFIX.length), values[i]!); });
    // a node gone, or back as a new process: its users' old entries are to be removed
    for (const [n, inc] of this.live) if (live.get(n) !== inc) this.sweeping = true;
    this.live = live;
  }

  async online(user: string): Promise<void> {
    await this.redis.hset(userKey(user), this.node, this.incarnation);
  }

  async offline(user: string): Promise<void> {
    await this.redis.hdel(userKey(user), this.node);
  }

  async where(users: readonly string[]): Promise<Record<string, boolean>> {
    const p = this.redis.pipeline();
    for (const u of users) p.hgetall(userKey(u));
    const res = (await p.exec()) ?? [];
    const out: Record<string, boolean> = {};
    const dead: Stale[] = [];
    users.forEach((u, i) => {
      const entries = Object.entries((res[i]?.[1] as Record<string, string>) ?? {});
      out[u] = entries.some(([n, inc]) => this.alive(n, inc));
      const gone = entries.filter(([n, inc]) => !this.alive(n, inc));
      if (gone.length) dead.push([userKey(u), gone]);
    });
    if (dead.length) void this.forget(dead).catch(() => {});
    return out;
  }

  /** one bounded step of the background pass: a slice of user keys, checked in one pipeline */
  async sweep(): Promise<number> {
    const [next, keys] = await this.redis.scan(this.cursor, 'MATCH', 'bfg:presence:*', 'COUNT', SWEEP_COUNT);
    this.cursor = next;
    if (next === '0') this.sweeping = false; // gone round once
    if (!keys.length) return 0;
    const p = this.redis.pipeline();
    for (const k of keys) p.hgetall(k);
    const res = (await p.exec()) ?? [];
    const dead: Stale[] = [];
    keys.forEach((k, i) => {
      const gone = Object.entries((res[i]?.[1] as Record<string, string>) ?? {}).filter(([n, inc]) => !this.alive(n, inc));
      if (gone.length) dead.push([k, gone]);
    });
    return this.forget(dead);
  }

  /** removes entries that name dead nodes (unless rewritten meanwhile), in one pipeline */
  private async forget(dead: Stale[]): Promise<number> {
    if (!dead.length) return 0;
    const p = this.redis.pipeline() as unknown as { bfgForget(k: string, n: string, inc: string): void; exec(): Promise<[Error | null, unknown][] | null> };
    for (const [k, entries] of dead) for (const [n, inc] of entries) p.bfgForget(k, n, inc);
    const res = (await p.exec()) ?? [];
    return res.reduce((a, r) => a + (Number(r?.[1]) || 0), 0);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    // a node that stops cleanly says so at once; one that dies is forgotten when its key expires
    await this.redis.del(nodeKey(this.node)).catch(() => {});
  }
}
