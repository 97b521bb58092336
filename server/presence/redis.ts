/**
 * Redis presence that scales with nodes, not users. Each node process (an incarnation: a random id)
 * keeps one liveness key with a TTL, beaten every beatMs: O(nodes) writes. A user's entry is a hash
 * naming the nodes it is on (field = node, value = incarnation), written when its first session opens
 * on a node and when its last one closes there — never per beat. A user is online when one of its
 * nodes is alive in the same incarnation. Which nodes are alive is read once per beat from a registry
 * of incarnations (one SMEMBERS and one MGET of their liveness keys: O(nodes), never a SCAN of the
 * keyspace), so where() is one pipeline of HGETALL.
 * Each incarnation also keeps the set of its users, so when one dies a survivor (a lock picks it)
 * removes exactly its entries, in pipelined batches, and drops it from the registry. Entries naming
 * incarnations seen registered and dead are also removed lazily on read. An idle fleet sends nothing
 * per user.
 * A node that was only late (a beat more than the TTL behind: a stalled or starved process) is alive:
 * the survivor stops cleaning as soon as its key is back, and the node, finding at its next beat that
 * its registration was dropped, comes back as a new incarnation and writes its users back under it.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Presence } from './presence.js';

const userKey = (user: string) => `bfg:presence:{${user}}`;
const nodeKey = (node: string) => `bfg:node:${node}`;
const usersKey = (node: string, inc: string) => `bfg:node-users:${node}:${inc}`;
/** every incarnation not yet cleaned up, as `node:incarnation` */
const REGISTRY = 'bfg:incarnations';
const BATCH = 500;
// deletes a user's entry for a node only if it still holds the stale incarnation (the node may be back)
const FORGET = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0`;

type Pipe = { bfgForget(k: string, n: string, inc: string): void; exec(): Promise<[Error | null, unknown][] | null> };

export class RedisPresence implements Presence {
  private timer?: NodeJS.Timeout;
  /** live nodes at the last beat with their incarnations (this node always counts) */
  private live = new Map<string, string>();
  /** incarnations registered but dead at the last beat (`node:incarnation`): the only ones a read forgets */
  private dead = new Set<string>();
  /** changes when the fleet took this node for dead: its users come back under a new one (see `comeBack`) */
  private incarnation = randomUUID();
  private firstBeat: Promise<void> = Promise.resolve();
  /** the first beat registered this incarnation: a later one that registers it again finds it was dropped */
  private registered = false;
  private users: () => Iterable<string> = () => [];

  constructor(private readonly redis: Redis, private readonly node: string, private readonly staleMs: number) {
    this.live.set(node, this.incarnation);
    redis.defineCommand('bfgForget', { numberOfKeys: 1, lua: FORGET });
  }

  private alive(node: string, incarnation: string): boolean {
    return this.live.get(node) === incarnation;
  }

  /** beats this node's liveness key every beatMs (the first beat also cleans up after incarnations that died unwatched) */
  start(beatMs: number, users?: () => Iterable<string>): void {
    if (users) this.users = users;
    const tick = () => this.beat().catch(() => {});
    // until the first beat has read the live nodes, a lookup would see only this node: it waits
    this.firstBeat = tick();
    this.timer = setInterval(() => void tick(), beatMs).unref();
  }

  /**
   * One beat: SET this node's liveness key (with its TTL) and register its incarnation, then read the
   * registry and every registered node's key (SMEMBERS + MGET: O(nodes)). An incarnation whose node
   * key is gone or holds another incarnation is dead: its cleanup starts.
   */
  async beat(): Promise<void> {
    const me = `${this.node}:${this.incarnation}`;
    const [, [, added], [, members]] = (await this.redis.pipeline()
      .set(nodeKey(this.node), this.incarnation, 'PX', this.staleMs).sadd(REGISTRY, me).smembers(REGISTRY).exec()) as [unknown, [unknown, number], [unknown, string[]]];
    // registered anew after the first beat: a survivor took this node for dead and removed its users
    if (this.registered && added === 1) {
      await this.comeBack(me);
      return;
    }
    this.registered = true;
    const regs = members.map((m) => [m.slice(0, m.lastIndexOf(':')), m.slice(m.lastIndexOf(':') + 1)] as const);
    const nodes = [...new Set(regs.map(([n]) => n))];
    const values = nodes.length ? await this.redis.mget(...nodes.map(nodeKey)) : [];
    const live = new Map<string, string>([[this.node, this.incarnation]]);
    nodes.forEach((n, i) => { if (values[i]) live.set(n, values[i]!); });
    this.live = live;
    const dead = new Set<string>();
    for (const [n, inc] of regs) {
      if (live.get(n) === inc) continue;
      dead.add(`${n}:${inc}`);
      void this.cleanUp(n, inc).catch(() => {});
    }
    this.dead = dead;
  }

  async online(user: string): Promise<void> {
    await Promise.all([this.redis.hset(userKey(user), this.node, this.incarnation), this.redis.sadd(usersKey(this.node, this.incarnation), user)]);
  }

  async offline(user: string): Promise<void> {
    await Promise.all([this.redis.hdel(userKey(user), this.node), this.redis.srem(usersKey(this.node, this.incarnation), user)]);
  }

  async where(users: readonly string[]): Promise<Record<string, boolean>> {
    await this.firstBeat;
    const p = this.redis.pipeline();
    for (const u of users) p.hgetall(userKey(u));
    const res = (await p.exec()) ?? [];
    const out: Record<string, boolean> = {};
    const stale: [string, string, string][] = [];
    users.forEach((u, i) => {
      const entries = Object.entries((res[i]?.[1] as Record<string, string>) ?? {});
      out[u] = entries.some(([n, inc]) => this.alive(n, inc));
      // an incarnation this node has not seen registered may be one that registered since its last
      // beat (a node back from being taken for dead): offline for now, but not forgotten
      for (const [n, inc] of entries) if (!this.alive(n, inc) && this.dead.has(`${n}:${inc}`)) stale.push([userKey(u), n, inc]);
    });
    if (stale.length) void this.forget(stale).catch(() => {});
    return out;
  }

  /**
   * The fleet took this node for dead: it comes back as a new incarnation and writes its users again
   * under it. A reader whose view is a beat old still takes the old incarnation for dead and forgets
   * entries that name it; entries written back under the old one would be forgotten again, and stay
   * gone, while ones naming the new incarnation are safe (the forget compares the incarnation).
   */
  private async comeBack(oldMe: string): Promise<void> {
    const old = this.incarnation;
    this.incarnation = randomUUID();
    this.live.set(this.node, this.incarnation);
    await this.redis.pipeline().set(nodeKey(this.node), this.incarnation, 'PX', this.staleMs)
      .sadd(REGISTRY, `${this.node}:${this.incarnation}`).srem(REGISTRY, oldMe).del(usersKey(this.node, old)).exec();
    await this.writeBack();
  }

  /** writes every local user's entry again under this incarnation, in pipelined batches */
  private async writeBack(): Promise<void> {
    let batch: string[] = [], n = 0;
    const flush = async () => {
      const p = this.redis.pipeline();
      for (const u of batch) p.hset(userKey(u), this.node, this.incarnation).sadd(usersKey(this.node, this.incarnation), u);
      await p.exec();
      n += batch.length;
      batch = [];
    };
    for (const u of this.users()) if (batch.push(u) >= BATCH) await flush();
    if (batch.length) await flush();
    console.error(`bfg serve: presence: node ${this.node} was taken for dead (a liveness beat more than ${this.staleMs} ms late: a stalled or starved process); its ${n} users written back`);
  }

  /** removes a dead incarnation's entries (from its set of users, in batches) and its registration; one survivor does it */
  async cleanUp(node: string, inc: string): Promise<number> {
    const lock = await this.redis.set(`bfg:cleanup:${node}:${inc}`, this.node, 'PX', 60_000, 'NX');
    if (lock !== 'OK') return 0;
    const set = usersKey(node, inc);
    let cursor = '0', removed = 0;
    do {
      // a node that was only late beats again: stop, leave the rest of its entries (it writes back what went)
      if ((await this.redis.get(nodeKey(node))) === inc) {
        // dropping its registration is what tells the node, at its next beat, to write its users back
        await this.redis.srem(REGISTRY, `${node}:${inc}`);
        if (removed) console.error(`bfg serve: presence: node ${node} beat again while its ${removed} entries were removed so far: it writes them back`);
        return removed;
      }
      const [next, users] = await this.redis.sscan(set, cursor, 'COUNT', BATCH);
      cursor = next;
      removed += await this.forget(users.map((u) => [userKey(u), node, inc]));
    } while (cursor !== '0');
    await this.redis.pipeline().del(set).srem(REGISTRY, `${node}:${inc}`).exec();
    return removed;
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
