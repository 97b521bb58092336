/**
 * Clock offset to the coordinator's reference, which is the Redis server's clock (TIME): several
 * round trips, keeping the one with the shortest round trip; the bound is half that round trip.
 */
import type { Redis } from 'ioredis';

export interface ClockOffset { offsetMs: number; boundMs: number }

/** redis time − local time, in ms, with its error bound. */
export async function clockOffset(redis: Redis, rounds = 7): Promise<ClockOffset> {
  let best: ClockOffset = { offsetMs: 0, boundMs: Infinity };
  for (let i = 0; i < rounds; i++) {
    const t1 = performance.timeOrigin + performance.now();
    const [s, us] = (await redis.time()) as [string | number, string | number];
    const t2 = performance.timeOrigin + performance.now();
    const rtt = t2 - t1;
    if (rtt / 2 < best.boundMs) best = { offsetMs: Number(s) * 1000 + Number(us) / 1000 - (t1 + t2) / 2, boundMs: rtt / 2 };
  }
  return best;
}
