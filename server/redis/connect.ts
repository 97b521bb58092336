/** Opening Redis connections for the gateway: fail fast with a clear message, reconnect forever. */
import type { Redis } from 'ioredis';
import { connectRedis } from '../../common/redis.js';

/** Connects to Redis for the gateway; throws `unreachable` naming the URL and the fix when it does not answer. */
export async function openRedis(url: string, name: string): Promise<Redis> {
  return connectRedis(url, 'Redis', 'start one with scripts/redis.sh start 6390 and pass --redis redis://127.0.0.1:6390', {
    connectionName: name,
    // fail commands at once while disconnected (the store says store_unavailable), keep reconnecting
    enableOfflineQueue: false, maxRetriesPerRequest: 0,
    retryStrategy: (n) => Math.min(50 * n, 500),
    // commands issued in one event-loop turn (appends, range reads, presence) go out as one pipeline
    enableAutoPipelining: true,
  });
}

/** The hash-tagged key or channel of a room (one cluster slot per room). */
export const roomKey = (room: string, part: string): string => `bfg:{${room}}:${part}`;
export const channelOf = (topic: string): string => `bfg:{${topic}}`;
export const topicOf = (channel: string): string => channel.slice(5, -1);
