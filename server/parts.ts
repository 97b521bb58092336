/** Builds the store, bus and presence a gateway's options name: embedded (memory) or Redis. */
import type { Redis } from 'ioredis';
import { BfgError } from '../protocol/index.js';
import type { Bus } from './bus/bus.js';
import type { GatewayOptions } from './options.js';
import type { Presence } from './presence/presence.js';
import { MemoryStore } from './store/memory.js';
import type { Store } from './store/store.js';

export interface Parts { store?: Store; bus?: Bus; presence?: Presence }

/**
 * Opens the parts for these options (connecting to Redis when named); memory parts are left to the
 * gateway. Redis and Kafka clients are imported only when chosen, so embedded defaults start small.
 */
export async function openParts(o: Readonly<GatewayOptions>): Promise<Parts> {
  if (o.store !== 'redis' && o.bus === 'memory') return {};
  const { openRedis } = await import('./redis/connect.js');
  const { RedisStore } = await import('./store/redis.js');
  const { RedisPresence } = await import('./presence/redis.js');
  const cmd = await openRedis(o.redis!, `bfg-${o.node}`);
  if (o.store === 'redis') {
    try {
      await checkPersistence(cmd, o.redis!, o.ackWithoutPersistence);
    } catch (err) {
      cmd.disconnect();
      throw err;
    }
  }
  const parts: Parts = {};
  if (o.bus === 'redis') parts.bus = new (await import('./bus/redis.js')).RedisBus(cmd, await openRedis(o.redis!, `bfg-${o.node}-sub`), o.redisCluster);
  if (o.bus === 'kafka') {
    const { KafkaBus } = await import('./bus/kafka.js');
    const bus = new KafkaBus({ brokers: o.kafka!.split(','), node: o.node, topic: o.kafkaTopic, partitions: o.kafkaPartitions, publishTimeoutMs: o.publishTimeoutMs });
    await bus.start();
    parts.bus = bus;
  }
  parts.store = o.store === 'redis' ? new RedisStore(cmd, o.history, o.bus === 'redis' ? { sharded: o.redisCluster } : null) : new MemoryStore(o.history);
  parts.presence = new RedisPresence(cmd, o.node, o.presenceStaleMs);
  return parts;
}

/**
 * An ack promises the message survives a restart of the store: refuse a Redis without an append-only
 * file unless the operator says (--ack-without-persistence) that acks a restart loses are acceptable.
 */
export async function checkPersistence(redis: Redis, url: string, accept: boolean): Promise<void> {
  let why: string;
  try {
    const [, aof] = (await redis.config('GET', 'appendonly')) as string[];
    if (aof === 'yes') return;
    const [, save] = (await redis.config('GET', 'save')) as string[];
    why = `Redis at ${url} has appendonly ${aof}${save ? ` (RDB snapshots "${save}" lose what came after the last one)` : ' and no snapshots'}: acked messages are lost when it restarts`;
  } catch (err) {
    why = `the persistence of Redis at ${url} cannot be read (CONFIG GET: ${(err as Error).message})`;
  }
  if (accept) return void console.error(`bfg serve: warning: ${why}; acking anyway (--ack-without-persistence)`);
  throw new BfgError('bad_option', `${why}. Turn on the append-only file (redis-server --appendonly yes --appendfsync everysec; scripts/redis.sh start does), or pass --ack-without-persistence to accept acks that a Redis restart loses`);
}
