/** Opening a Redis connection: connect now, and fail with `unreachable` naming the URL, its role and the fix. */
import { Redis, type RedisOptions } from 'ioredis';
import { BfgError } from '../protocol/index.js';

/** Connects to Redis for `role` (e.g. "coordinator Redis"); `fix` says how to start or name one. */
export async function connectRedis(url: string, role: string, fix: string, options: RedisOptions = {}): Promise<Redis> {
  const r = new Redis(url, { lazyConnect: true, ...options });
  r.on('error', () => {}); // reconnects are the client's business; commands fail with their own errors
  try {
    await r.connect();
  } catch (err) {
    r.disconnect();
    throw new BfgError('unreachable', `${role} at ${url} (${(err as Error).message}); ${fix}`);
  }
  return r;
}
