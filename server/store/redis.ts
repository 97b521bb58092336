/**
 * Redis store: one Lua script per append — INCR the room's seq, XADD to its stream with the seq as
 * id, trim to the history length and, when the bus is Redis too, PUBLISH in the same script so bus
 * order is seq order. Keys are hash-tagged {room}. Each log has an epoch, created with the log: if
 * Redis loses the log, the next append creates a new epoch and old seqs are never trusted.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { MsgFrame } from '../../protocol/index.js';
import { channelOf, roomKey } from '../redis/connect.js';
import { Breaker } from './breaker.js';
import type { NewMessage, RoomHead, Store } from './store.js';

const APPEND = `
local epoch = redis.call('GET', KEYS[3])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[3], epoch)
  redis.call('DEL', KEYS[1], KEYS[2])
end
local seq = redis.call('INCR', KEYS[1])
local msg = ARGV[3] .. seq .. ARGV[4]
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], seq .. '-0', 'm', msg)
local pub = ARGV[6] == '1' and 'SPUBLISH' or 'PUBLISH'
for i = 7, #ARGV do redis.call(pub, ARGV[i], ARGV[5] .. msg) end
return seq`;

/** The envelope head a fused append publishes before the message JSON: origin and t0. */
export const envelopeHead = (origin: string, t0: number): string => `${origin}\n${t0}\n`;

export class RedisStore implements Store {
  readonly publishes: boolean;
  private readonly breaker = new Breaker();

  constructor(private readonly redis: Redis, private readonly history: number, fused: { sharded: boolean } | null) {
    this.publishes = fused !== null;
    this.sharded = fused?.sharded ?? false;
    redis.defineCommand('bfgAppend', { numberOfKeys: 3, lua: APPEND });
  }
  private readonly sharded: boolean;

  async append(m: NewMessage): Promise<MsgFrame> {
    const ts = Date.now();
    const msg: MsgFrame = { op: 'msg', room: m.room, seq: 0, id: m.id, from: m.from, ts, body: typeof m.body === 'string' ? m.body : Buffer.from(m.body).toString('base64') };
    if (m.meta !== undefined) msg.meta = m.meta;
    // the JSON around the seq, which only the script knows: {"op":"msg","room":…,"seq":<seq>,…}
    const json = JSON.stringify(msg);
    const at = json.indexOf('"seq":0,') + 6;
    const channels = this.publishes ? (m.topics ?? []).map(channelOf) : [];
    const head = this.publishes ? envelopeHead(m.origin ?? '', m.t0 ?? ts) : '';
    const seq = await this.breaker.run(() => (this.redis as unknown as { bfgAppend: (...a: (string | number)[]) => Promise<number> })
      .bfgAppend(roomKey(m.room, 'seq'), roomKey(m.room, 'log'), roomKey(m.room, 'epoch'),
        randomUUID(), this.history, json.slice(0, at), json.slice(at + 1), head, this.sharded ? '1' : '0', ...channels));
    msg.seq = Number(seq);
    return msg;
  }

  async range(room: string, afterSeq: number, limit: number): Promise<MsgFrame[]> {
    const entries = (await this.breaker.run(() => this.redis.xrange(roomKey(room, 'log'), `${afterSeq + 1}-0`, '+', 'COUNT', limit))) as [string, string[]][];
    return entries.map(([, fields]) => JSON.parse(fields[1]) as MsgFrame);
  }

  async head(room: string): Promise<RoomHead> {
    const [seq, epoch] = await this.breaker.run(() => this.redis.mget(roomKey(room, 'seq'), roomKey(room, 'epoch')));
    if (epoch) return { head: Number(seq ?? 0), epoch };
    // an empty room: create its epoch now (NX: a concurrent creator wins), so joined carries it
    await this.breaker.run(() => this.redis.set(roomKey(room, 'epoch'), randomUUID(), 'NX'));
    const [seq2, epoch2] = await this.breaker.run(() => this.redis.mget(roomKey(room, 'seq'), roomKey(room, 'epoch')));
    return { head: Number(seq2 ?? 0), epoch: epoch2! };
  }

  healthy(): boolean {
    return this.redis.status === 'ready' && !this.breaker.open();
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
