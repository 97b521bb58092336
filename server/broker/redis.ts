/**
 * Redis broker, store and Pub/Sub fused: one Lua script per publish INCRs the room's seq, appends to
 * its stream and PUBLISHes in the same step, so Pub/Sub order is seq order (RedisStore, below).
 * One subscriber connection per gateway process, one channel per topic with a local member
 * (SSUBSCRIBE with `sharded`, for Redis Cluster). When the subscriber comes back after a loss, ioredis
 * re-subscribes and the gateway is told (`reconnected`) to backfill the gap from the log.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { MsgFrame } from '../../protocol/index.js';
import { channelOf, roomKey, topicOf } from '../redis/connect.js';
import { SubscriptionBatch } from './batch.js';
import { Breaker } from './breaker.js';
import {
  LogBroker, NO_EVENTS, decodeEnvelope, decodeSignal, encodeSignal, envelopeHead, isSignal, signalSafely, fromStored, storeOrRefuse, storedJson,
  type Appended, type Broker, type BrokerEvents, type NewMessage, type Publish, type RoomHead, type Signal, type Store,
} from './broker.js';

export class RedisBroker extends LogBroker implements Broker {
  readonly healsFromStore = true;
  private events: BrokerEvents = NO_EVENTS;
  private readonly topics = new Set<string>();
  private wasReady = true;
  private readonly batch: SubscriptionBatch;

  /** `store` publishes as it appends (built with a fused channel set); `cmd` is its connection, `sub` the subscriber */
  constructor(store: RedisStore, private readonly cmd: Redis, private readonly sub: Redis, private readonly sharded: boolean) {
    super(store);
    this.batch = new SubscriptionBatch(sub);
    sub.on(sharded ? 'smessage' : 'message', (channel: string, message: string) => this.receive(channel, message));
    sub.on('close', () => { this.wasReady = false; });
    sub.on('ready', () => {
      if (this.wasReady) return;
      this.wasReady = true;
      // ioredis re-subscribes on ready (autoResubscribe); the gap is filled from the log
      setImmediate(() => this.events.reconnected([...this.topics]));
    });
  }

  private receive(channel: string, message: string): void {
    if (isSignal(message)) {
      const sig = decodeSignal(topicOf(channel), message);
      if (sig) signalSafely(this.events, sig.topics[0], sig);
      return;
    }
    const env = decodeEnvelope(topicOf(channel), message);
    if (!env) return;
    try {
      this.events.publication(env);
    } catch (err) {
      // one message that cannot be delivered must not take the node (and its other rooms) down
      console.error(`bfg serve: dropped a bus message on ${channel}: ${(err as Error).message}`);
    }
  }

  async publish(p: Publish, stored: (a: Appended) => void): Promise<void> {
    stored(await storeOrRefuse(this.store, p)); // published by the same script that stored it
  }

  signal(s: Signal): void {
    const text = encodeSignal(s);
    for (const topic of s.topics) {
      const sent = this.sharded ? this.cmd.spublish(channelOf(topic), text) : this.cmd.publish(channelOf(topic), text);
      sent.catch(() => {}); // lost with the bus: the next event supersedes it
    }
  }

  async subscribe(topic: string): Promise<void> {
    this.topics.add(topic);
    if (this.sharded) await this.sub.ssubscribe(channelOf(topic));
    else await this.batch.add(true, channelOf(topic));
  }

  async unsubscribe(topic: string): Promise<void> {
    this.topics.delete(topic);
    if (this.sharded) await this.sub.sunsubscribe(channelOf(topic));
    else await this.batch.add(false, channelOf(topic));
  }

  on(events: BrokerEvents): void { this.events = events; }

  health(): { store: boolean; bus: boolean } {
    return { store: this.store.healthy(), bus: this.sub.status === 'ready' && this.cmd.status === 'ready' };
  }

  async close(): Promise<void> {
    this.sub.disconnect();
    await this.store.close();
  }
}

/**
 * Redis store: one Lua script per append — INCR the room's seq, XADD to its stream with the seq as
 * id, trim to the history length and, when the bus is Redis too, PUBLISH in the same script so bus
 * order is seq order. Keys are hash-tagged {room}. Each log has an epoch, created with the log: if
 * Redis loses the log, the next append creates a new epoch and old seqs are never trusted. A retry
 * of (from, id) is answered with its first seq from a hash of recent ids, rotated every `history`
 * appends (so it remembers between history and 2×history messages, and never grows past that).
 * Appends keep the log's five keys expiring `ttlMs` after the last of them (within 1%; PERSIST with 0,
 * for an epoch a join made with its short TTL): a room nobody writes to any more leaves Redis, as the embedded store
 * drops memberless logs past its budget; its next join gets a new epoch and `recovered: false`.
 */
const APPEND = `
local epoch = redis.call('GET', KEYS[3])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[3], epoch)
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[4], KEYS[5], KEYS[7])
end
local first = redis.call('HGET', KEYS[4], ARGV[7]) or redis.call('HGET', KEYS[5], ARGV[7])
if first then return {tonumber(first), epoch, 1} end
local seq = redis.call('INCR', KEYS[1])
local msg = ARGV[3] .. seq .. ARGV[4]
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], seq .. '-0', 'm', msg)
-- the cold tier's queue (KEYS[6] is KEYS[1] when there is none): appended in the same step, so every acked message is queued
if KEYS[6] ~= KEYS[1] then redis.call('XADD', KEYS[6], '*', 'e', epoch, 'm', msg) end
-- offline notifications (KEYS[8] is KEYS[1] when off): one record per named user with no live node, in
-- the same step as the message, so a node that dies after this script leaves neither a message without
-- its records nor a record twice (a retry is answered above, before here)
local n = tonumber(ARGV[9])
if KEYS[8] ~= KEYS[1] then
  for i = 13, 12 + n do
    local u = ARGV[i]
    local h = redis.call('HGETALL', 'bfg:presence:{' .. u .. '}')
    local online = false
    for j = 1, #h, 2 do
      if redis.call('GET', 'bfg:node:' .. h[j]) == h[j + 1] then online = true break end
    end
    if not online then
      redis.call('XADD', KEYS[8], 'MAXLEN', '~', ARGV[13 + n], '*', 'key', ARGV[10] .. '/' .. epoch .. '/' .. seq .. '/' .. u,
        'user', u, 'room', ARGV[10], 'seq', seq, 'from', ARGV[11], 'ts', ARGV[12])
    end
  end
end
redis.call('HSET', KEYS[4], ARGV[7], seq)
if seq % tonumber(ARGV[2]) == 0 then redis.call('RENAME', KEYS[4], KEYS[5]) end
local ttl = tonumber(ARGV[8])
if ttl > 0 then
  -- refreshed when 1% of the TTL has passed since the last refresh, and on the append after a new log
  -- or a rotation of its ids (keys made without a TTL): one PTTL per append instead of five PEXPIREs
  if (seq - 1) % tonumber(ARGV[2]) == 0 or redis.call('PTTL', KEYS[1]) < ttl + 60000 - math.floor(ttl / 100) then
    -- the epoch goes first: a log is never seen without its epoch's end (see HEAD)
    redis.call('PEXPIRE', KEYS[3], ttl)
    for _, i in ipairs({1, 2, 4, 5, 7}) do redis.call('PEXPIRE', KEYS[i], ttl + 60000) end
  end
else
  redis.call('PERSIST', KEYS[3])
end
local pub = ARGV[6] == '1' and 'SPUBLISH' or 'PUBLISH'
for i = 14 + n, #ARGV do redis.call(pub, ARGV[i], ARGV[5] .. epoch .. '\\n' .. msg) end
return {seq, epoch, 0}`;

/**
 * A join's head: the seq and epoch, and for a room without an epoch a new one (with a short TTL) and
 * an empty log. Whatever is left of a log whose epoch expired or was evicted is dropped with it, as an
 * append with no epoch does, so a seq never restarts under an epoch a client already holds.
 */
const HEAD = `
local epoch = redis.call('GET', KEYS[2])
if epoch then return {redis.call('GET', KEYS[1]) or '0', epoch, ARGV[3] ~= '' and redis.call('HGET', KEYS[6], ARGV[3]) or '0'} end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[1], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
return {'0', ARGV[1], '0'}`;

/** A read mark: never back, never past the head; it expires with the log (the seq key's TTL). */
const MARK_READ = `
local head = tonumber(redis.call('GET', KEYS[1]) or '0')
local before = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local seq = math.min(tonumber(ARGV[2]), head)
if seq <= before then return {before, before} end
redis.call('HSET', KEYS[2], ARGV[1], seq)
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return {before, seq}`;

// an empty room's epoch (made by a join) is deleted when its last member leaves, and expires anyway
const RELEASE = `if redis.call('EXISTS', KEYS[1]) == 0 then return redis.call('DEL', KEYS[2]) end return 0`;
const EMPTY_EPOCH_TTL_MS = 3_600_000;

type Scripts = {
  bfgAppend: (...a: (string | number)[]) => Promise<[number, string, number]>;
  bfgRelease: (...a: string[]) => Promise<number>;
  bfgHead: (...a: (string | number)[]) => Promise<[string, string, string]>;
  bfgMarkRead: (...a: (string | number)[]) => Promise<[number, number]>;
};

/** where the store writes offline-notification records: the stream and its approximate length cap */
export interface NotifyTarget { stream: string; maxLen: number }

export class RedisStore implements Store {
  /** true when append also publishes to the topics in the same script (so Pub/Sub order is seq order) */
  private readonly publishes: boolean;
  private readonly breaker = new Breaker();
  private readonly sharded: boolean;

  /**
   * `ttlMs`: a log's keys expire this long after its last append (0: never); `archive`: the stream every
   * append is also queued on for the cold tier (server/archive), null for none
   */
  constructor(private readonly redis: Redis, private readonly history: number, fused: { sharded: boolean } | null, private readonly ttlMs = 0,
    private readonly archive: string | null = null, private readonly notify: NotifyTarget | null = null) {
    this.publishes = fused !== null;
    this.sharded = fused?.sharded ?? false;
    redis.defineCommand('bfgAppend', { numberOfKeys: 8, lua: APPEND });
    redis.defineCommand('bfgRelease', { numberOfKeys: 2, lua: RELEASE });
    redis.defineCommand('bfgHead', { numberOfKeys: 6, lua: HEAD });
    redis.defineCommand('bfgMarkRead', { numberOfKeys: 2, lua: MARK_READ });
  }

  private get scripts(): Scripts {
    return this.redis as unknown as Scripts;
  }

  async append(m: NewMessage): Promise<Appended> {
    const ts = Date.now();
    const msg: MsgFrame = { op: 'msg', room: m.room, seq: 0, id: m.id, from: m.from, ts, body: m.body };
    if (m.meta !== undefined) msg.meta = m.meta;
    // the JSON around the seq, which only the script knows: {"op":"msg","room":…,"seq":<seq>,…}
    const json = storedJson(msg);
    const at = json.indexOf('"seq":0,') + 6;
    const channels = this.publishes ? (m.topics ?? []).map(channelOf) : [];
    const head = this.publishes ? envelopeHead(m.origin ?? '', m.t0 ?? ts) : '';
    const k = (part: string) => roomKey(m.room, part);
    const notify = this.notify && m.notify?.length ? m.notify : [];
    const [seq, epoch, dup] = await this.breaker.run(() => this.scripts.bfgAppend(k('seq'), k('log'), k('epoch'), k('ids'), k('ids0'), this.archive ?? k('seq'),
      k('reads'), this.notify?.stream ?? k('seq'),
      randomUUID(), this.history, json.slice(0, at), json.slice(at + 1), head, this.sharded ? '1' : '0', `${m.from}\0${m.id}`, this.ttlMs,
      notify.length, m.room, m.from, ts, ...notify, this.notify?.maxLen ?? 0, ...channels));
    msg.seq = Number(seq);
    return { msg, epoch: String(epoch), duplicate: Number(dup) === 1 };
  }

  async range(room: string, afterSeq: number, limit: number): Promise<MsgFrame[]> {
    const entries = (await this.breaker.run(() => this.redis.xrange(roomKey(room, 'log'), `${afterSeq + 1}-0`, '+', 'COUNT', limit))) as [string, string[]][];
    return entries.map(([, fields]) => fromStored(fields[1]));
  }

  async rangeBefore(room: string, beforeSeq: number, limit: number): Promise<MsgFrame[]> {
    if (beforeSeq <= 1) return [];
    const entries = (await this.breaker.run(() => this.redis.xrevrange(roomKey(room, 'log'), `(${beforeSeq}-0`, '-', 'COUNT', limit))) as [string, string[]][];
    return entries.reverse().map(([, fields]) => fromStored(fields[1]));
  }

  async head(room: string, reader?: string): Promise<RoomHead> {
    // an empty room gets its epoch now, so joined carries it (one script: a concurrent creator wins)
    const k = (part: string) => roomKey(room, part);
    const [seq, epoch, read] = await this.breaker.run(() => this.scripts.bfgHead(k('seq'), k('epoch'), k('log'), k('ids'), k('ids0'), k('reads'),
      randomUUID(), EMPTY_EPOCH_TTL_MS, reader ?? ''));
    return reader === undefined ? { head: Number(seq), epoch: String(epoch) } : { head: Number(seq), epoch: String(epoch), lastRead: Number(read) };
  }

  async markRead(room: string, user: string, seq: number): Promise<{ before: number; after: number }> {
    const [before, after] = await this.breaker.run(() => this.scripts.bfgMarkRead(roomKey(room, 'seq'), roomKey(room, 'reads'), user, seq));
    return { before: Number(before), after: Number(after) };
  }

  async peek(room: string): Promise<RoomHead | null> {
    const [seq, epoch] = await this.breaker.run(() => this.redis.mget(roomKey(room, 'seq'), roomKey(room, 'epoch')));
    return epoch ? { head: Number(seq ?? 0), epoch } : null;
  }

  async release(room: string): Promise<void> {
    await this.breaker.run(() => this.scripts.bfgRelease(roomKey(room, 'seq'), roomKey(room, 'epoch')));
  }

  healthy(): boolean {
    return this.redis.status === 'ready' && !this.breaker.open();
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
