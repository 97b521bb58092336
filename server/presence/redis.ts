/**
 * Redis presence that scales with nodes, not users. Each node process (an incarnation: a random id)
 * keeps one liveness key with a TTL, beaten every beatMs: O(nodes) writes. A user's entry is a hash
 * naming the nodes it is on (field = node, value = incarnation), written when its first session opens
 * on a node and when its last one closes there — never per beat. A user is online when one of its
 * nodes is alive in the same incarnation. Which nodes are alive is read once per beat (one SCAN and
 * one MGET of the few node keys), so where() is one pipeline of HGETALL.
 * Each incarnation also keeps the set of its users, so when a node dies one survivor (a lock picks it)
 * removes exactly its entries, in pipelined batches; a node starting up does the same for incarnations
 * that died while no node was watching. Entries naming dead nodes are also removed lazily on read.
 * Nothing walks the users of the fleet, and an idle fleet sends nothing per user.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Presence } from './presence.js';

const userKey = (user: string) => `bfg:presence:{${user}}`;
const nodeKey = (node: string) => `bfg:node:${node}`;
const usersKey = (node: string, inc: string) => `bfg:node-users:${node}:${inc}`;
const NODE_PREFIX = 'bfg:node:';
const BATCH = 500;
// deletes a user's entry for a node only if it still holds the stale incarnation (the node may be back)
const FORGET = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0`;

type Pipe = { bfgForget(k: string, n: string, inc: string): void; exec(): Promise<[Error | null, unknown][] | null> };

export class RedisPresence implements Presence {
  private timer?: NodeJS.Timeout;
  /** live nodes at the last beat with their incarnations (this node always counts) */
  private live = new Map<string, string>();
  private readonly incarnation = randomUUID();

  constructor(private readonly redis: Redis, private readonly node: string, private readonly staleMs: number) {
    this.live.set(node, this.incarnation);
    redis.defineCommand('bfgForget', { numberOfKeys: 1, lua: FORGET });
  }

  private alive(node: string, incarnation: string): boolean {
    return this.live.get(node) === incarnation;
  }

  /** beats this node's liveness key every beatMs; cleans up after incarnations that died before it started */
  start(beatMs: number): void {
    const tick = () => void this.beat().catch(() => {});
    void this.beat().then(() => this.orphans()).catch(() => {});
    this.timer = setInterval(tick, beatMs).unref();
  }

  /** one SET with a TTL for this node, one SCAN and one MGET of the node keys; a death starts its cleanup */
  async beat(): Promise<void> {
    await this.redis.set(nodeKey(this.node), this.incarnation, 'PX', this.staleMs);
    const keys = await this.scan(`${NODE_PREFIX}*`);
    const values = keys.length ? await this.redis.mget(...keys) : [];
    const live = new Map<string, string>([[this.node, this.incarnation]]);
    keys.forEach((k, i) => { if (values[i]) live.set(k.slice(NODE_PREFIX.length), values[i]!); });
    const gone = [...this.live].filter(([n, inc]) => live.get(n) !== inc);
    this.live = live;
    for (const [n, inc] of gone) void this.cleanUp(n, inc).catch(() => {});
  }

  async online(user: string): Promise<void> {
    await Promise.all([this.redis.hset(userKey(user), this.node, this.incarnation), this.redis.sadd(usersKey(this.node, this.incarnation), user)]);
  }

  async offline(user: string): Promise<void> {
    await Promise.all([this.redis.hdel(userKey(user), this.node), this.redis.srem(usersKey(this.node, this.incarnation), user)]);
  }

  async where(users: readonly string[]): Promise<Record<string, boolean>> {
    const p = this.redis.pipeline();
    for (const u of users) p.hgetall(userKey(u));
    const res = (await p.exec()) ?? [];
    const out: Record<string, boolean> = {};
    const stale: [string, string, string][] = [];
    users.forEach((u, i) => {
      const entries = Object.entries((res[i]?.[1] as Record<string, string>) ?? {});
      out[u] = entries.some(([n, inc]) => this.alive(n, inc));
      for (const [n, inc] of entries) if (!this.alive(n, inc)) stale.push([userKey(u), n, inc]);
    });
    if (stale.length) void this.forget(stale).catch(() => {});
    return out;
  }

  /** removes a dead incarnation's entries from its set of users, in batches; one survivor does it */
  async cleanUp(node: string, inc: string): Promise<number> {
    const lock = await this.redis.set(`bfg:cleanup:${node}:${inc}`, this.node, 'PX', 60_000, 'NX');
    if (lock !== 'OK') return 0;
    const set = usersKey(node, inc);
    let cursor = '0', removed = 0;
    do {
      const [next, users] = await this.redis.sscan(set, cursor, 'COUNT', BATCH);
      cursor = next;
      removed += await this.forget(users.map((u) => [userKey(u), node, inc]));
    } while (cursor !== '0');
    await this.redis.del(set);
    return removed;
  }

  /** at start: the sets of incarnations that are not alive now died unwatched; clean them */
  private async orphans(): Promise<void> {
    for (const k of await this.scan('bfg:node-users:*')) {
      const [node, inc] = k.slice('bfg:node-users:'.length).split(':');
      if (node && inc && !this.alive(node, inc)) await this.cleanUp(node, inc);
    }
  }

  private async scan(match: string): Promise<string[]> {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
    return out;
  }

  /** removes entries that name dead incarnations (unless rewritten meanwhile), in one pipeline */
  private async forget(stale: [key: string, node: string, inc: string][]): Promise<number> {
    if (!stale.length) return 0;
    const p = this.redis.pipeline() as unknown as Pipe;
    for (const [k, n, inc] of stale) p.bfgForget(k, n, inc);
    const res = (await p.exec()) ?? [];
    return res.reduce((a, r) => a + (Number(r?.[1]) || 0), 0);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    // a node that stops cleanly says so at once; one that dies is forgotten when its key expires
    await this.redis.del(nodeKey(this.node)).catch(() => {});
  }
}
