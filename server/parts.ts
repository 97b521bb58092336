/** Builds the parts a gateway's options name: its Hub, its Broker (memory, Redis, Kafka or RabbitMQ) and presence. */
import type { Redis } from 'ioredis';
import { BfgError } from '../protocol/index.js';
import type { Broker } from './broker/broker.js';
import { MemoryBroker, MemoryStore } from './broker/memory.js';
import { Hub } from './hub.js';
import type { GatewayOptions } from './options.js';
import { MemoryPresence } from './presence/memory.js';
import type { Presence } from './presence/presence.js';
import type { ArchiveTier } from './archive/tier.js';

/** the Redis Stream of offline-notification records (--notify redis; docs/gateway.md shows a consumer) */
export const NOTIFY_STREAM = 'bfg:notify';

export interface Parts {
  hub: Hub; broker: Broker; presence: Presence;
  /** the cold tier (--archive): Cassandra for old history, and the archive worker */
  archive?: ArchiveTier;
  /** --notify kafka: the relay of notification records from bfg:notify to Kafka */
  notifyRelay?: { close(): Promise<void> };
}

/** The embedded parts: everything in this process. */
export function memoryParts(o: Readonly<GatewayOptions>): Parts {
  const hub = new Hub();
  return { hub, broker: new MemoryBroker(new MemoryStore(o.history, o.historyBytes)), presence: new MemoryPresence(hub) };
}

/**
 * Opens the parts for these options (connecting to Redis, Kafka and RabbitMQ when named). Their clients are
 * imported only when chosen, so a gateway on embedded defaults starts small.
 */
export async function openParts(o: Readonly<GatewayOptions>): Promise<Parts> {
  if (o.store !== 'redis' && o.bus === 'memory') return memoryParts(o);
  const { openRedis } = await import('./redis/connect.js');
  const { RedisBroker, RedisStore } = await import('./broker/redis.js');
  const { RedisPresence } = await import('./presence/redis.js');
  const cmd = await openRedis(o.redis!, `bfg-${o.node}`);
  try {
    const warning = await checkPersistence(cmd, o.redis!, o.ackWithoutPersistence);
    if (warning) console.error(`bfg serve: warning: ${warning}`);
  } catch (err) {
    cmd.disconnect();
    throw err;
  }
  const presence = new RedisPresence(cmd, o.node, o.presenceStaleMs);
  let broker: Broker;
  const ttlMs = o.historyTtlS * 1000;
  let archive: ArchiveTier | undefined;
  if (o.archive) {
    const { ArchiveTier } = await import('./archive/tier.js');
    try {
      archive = await ArchiveTier.open(o.archive, cmd, o.archiveWorker ? await openRedis(o.redis!, `bfg-${o.node}-archive`) : undefined,
        { node: o.node, replication: o.archiveReplication, batch: o.archiveBatch });
    } catch (err) {
      cmd.disconnect();
      throw err;
    }
  }
  const { ARCHIVE_STREAM } = await import('./archive/queue.js');
  const queue = archive ? ARCHIVE_STREAM : null;
  const notify = o.notify !== 'none' ? { stream: NOTIFY_STREAM, maxLen: o.notifyMaxLen } : null;
  let notifyRelay: Parts['notifyRelay'];
  if (o.notify === 'kafka') {
    const { NotifyRelay } = await import('./notify-relay.js');
    try {
      notifyRelay = await NotifyRelay.open({ brokers: o.kafka!.split(','), topic: o.notifyTopic, partitions: o.kafkaPartitions, node: o.node, stream: NOTIFY_STREAM, batch: 500 },
        await openRedis(o.redis!, `bfg-${o.node}-notify`), cmd);
    } catch (err) {
      await archive?.close();
      cmd.disconnect();
      throw err;
    }
  }
  if (o.bus === 'redis') {
    const store = new RedisStore(cmd, o.history, { sharded: o.redisCluster }, ttlMs, queue, notify);
    broker = new RedisBroker(store, cmd, await openRedis(o.redis!, `bfg-${o.node}-sub`), o.redisCluster);
  } else if (o.bus === 'kafka') {
    const { KafkaBroker } = await import('./broker/kafka.js');
    const kafka = new KafkaBroker(new RedisStore(cmd, o.history, null, ttlMs, queue, notify), {
      brokers: o.kafka!.split(','), node: o.node, topic: o.kafkaTopic, partitions: o.kafkaPartitions, fetchWaitMs: o.kafkaFetchWaitMs,
      publishTimeoutMs: o.publishTimeoutMs, reorderMs: o.reorderMs, maxRecover: o.maxRecover,
    });
    try {
      await kafka.start();
    } catch (err) {
      await archive?.close();
      cmd.disconnect();
      throw err;
    }
    broker = kafka;
  } else if (o.bus === 'rabbitmq') {
    const { RabbitBroker } = await import('./broker/rabbitmq.js');
    const rabbit = new RabbitBroker(new RedisStore(cmd, o.history, null, ttlMs, queue, notify), {
      url: o.amqp!, node: o.node, exchange: o.amqpExchange, publishTimeoutMs: o.publishTimeoutMs, reorderMs: o.reorderMs, maxRecover: o.maxRecover,
    });
    try {
      await rabbit.start();
    } catch (err) {
      await archive?.close();
      cmd.disconnect();
      throw err;
    }
    broker = rabbit;
  } else broker = new MemoryBroker(new RedisStore(cmd, o.history, null, ttlMs, queue, notify)); // one node, its log in Redis
  return { hub: new Hub(), broker, presence, ...(archive ? { archive } : {}), ...(notifyRelay ? { notifyRelay } : {}) };
}

/**
 * An ack promises the message survives a restart of the store: refuse a Redis without an append-only
 * file unless the operator says (--ack-without-persistence) that acks a restart loses are acceptable;
 * answer a warning when the file is not fsynced before Redis replies (a crash can then lose acks).
 */
export async function checkPersistence(redis: Redis, url: string, accept: boolean): Promise<string | undefined> {
  let why: string;
  try {
    const [, aof] = (await redis.config('GET', 'appendonly')) as string[];
    if (aof === 'yes') {
      const [, fsync] = (await redis.config('GET', 'appendfsync')) as string[];
      if (fsync === 'always') return undefined;
      // everysec: Redis replies before a write that a slow fsync postponed, so a kill -9 or OOM loses those
      return `Redis at ${url} fsyncs its append-only file "${fsync}": a graceful restart keeps every acked message, a crash of Redis (kill -9, OOM) can lose the acks of the last ~2 s. For acks that survive a crash use appendfsync always (scripts/redis.sh start does)`;
    }
    const [, save] = (await redis.config('GET', 'save')) as string[];
    why = `Redis at ${url} has appendonly ${aof}${save ? ` (RDB snapshots "${save}" lose what came after the last one)` : ' and no snapshots'}: acked messages are lost when it restarts`;
  } catch (err) {
    why = `the persistence of Redis at ${url} cannot be read (CONFIG GET: ${(err as Error).message})`;
  }
  if (accept) return `${why}; acking anyway (--ack-without-persistence)`;
  throw new BfgError('bad_option', `${why}. Turn on the append-only file (redis-server --appendonly yes --appendfsync always; scripts/redis.sh start does), or pass --ack-without-persistence to accept acks that a Redis restart loses`);
}
