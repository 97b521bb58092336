/** Builds the store, bus and presence a gateway's options name: embedded (memory) or Redis. */
import type { Bus } from './bus/bus.js';
import { RedisBus } from './bus/redis.js';
import { KafkaBus } from './bus/kafka.js';
import type { GatewayOptions } from './options.js';
import type { Presence } from './presence/presence.js';
import { RedisPresence } from './presence/redis.js';
import { openRedis } from './redis/connect.js';
import { MemoryStore } from './store/memory.js';
import { RedisStore } from './store/redis.js';
import type { Store } from './store/store.js';

export interface Parts { store?: Store; bus?: Bus; presence?: Presence }

/** Opens the parts for these options (connecting to Redis when named); memory parts are left to the gateway. */
export async function openParts(o: Readonly<GatewayOptions>): Promise<Parts> {
  if (o.store !== 'redis' && o.bus === 'memory') return {};
  const cmd = await openRedis(o.redis!, `bfg-${o.node}`);
  const parts: Parts = {};
  if (o.bus === 'redis') parts.bus = new RedisBus(cmd, await openRedis(o.redis!, `bfg-${o.node}-sub`), o.redisCluster);
  if (o.bus === 'kafka') {
    const bus = new KafkaBus({ brokers: o.kafka!.split(','), node: o.node, topic: o.kafkaTopic, partitions: o.kafkaPartitions, publishTimeoutMs: o.publishTimeoutMs });
    await bus.start();
    parts.bus = bus;
  }
  parts.store = o.store === 'redis' ? new RedisStore(cmd, o.history, o.bus === 'redis' ? { sharded: o.redisCluster } : null) : new MemoryStore(o.history);
  parts.presence = new RedisPresence(cmd, o.node, o.presenceStaleMs);
  return parts;
}
