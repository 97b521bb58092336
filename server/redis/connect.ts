/** Opening Redis connections for the gateway: fail fast with a clear message, reconnect forever. */
import { Redis } from 'ioredis';
import { BfgError } from '../../protocol/index.js';

/** Connects to Redis; throws `unreachable` naming the URL and the fix when it does not answer. */
export async function openRedis(url: string, name: string): Promise<Redis> {
  const r = new Redis(url, {
    lazyConnect: true, connectionName: name,
    // fail commands at once while disconnected (the store says store_unavailable), keep reconnecting
    enableOfflineQueue: false, maxRetriesPerRequest: 0,
    retryStrategy: (n) => Math.min(50 * n, 500),
    // commands issued in one event-loop turn (appends, range reads, presence) go out as one pipeline
    enableAutoPipelining: true,
  });
  r.on('error', () => {});
  try {
    await r.connect();
  } catch (err) {
    r.disconnect();
    throw new BfgError('unreachable', `Redis at ${url} (${(err as Error).message}); start one with scripts/redis.sh start 6390 and pass --redis redis://127.0.0.1:6390`);
  }
  return r;
}

/** The hash-tagged key or channel of a room (one cluster slot per room). */
export const roomKey = (room: string, part: string): string => `bfg:{${room}}:${part}`;
export const channelOf = (topic: string): string => `bfg:{${topic}}`;
export const topicOf = (channel: string): string => channel.slice(5, -1);
