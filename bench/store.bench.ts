/**
 * npm run bench:store — what the Redis store's --history-ttl-s costs Redis: CPU per append (Redis's own
 * INFO cpu, user + system) with the default TTL beside no TTL, in alternating rounds on one private
 * Redis, as a ratio. Each round appends BENCH_APPENDS messages over 50 rooms, 200 in flight, with the
 * fused publish of `--bus redis --store redis`.
 */
import os from 'node:os';
import { Redis } from 'ioredis';
import { RedisStore } from '../server/broker/redis.js';
import { DEFAULTS } from '../server/options.js';
import { startRedis } from '../test/helpers/redis.js';
import { median, spread as fmt } from './stats.js';
import { BenchRecord } from './record.js';

const APPENDS = Number(process.env.BENCH_APPENDS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const r = await startRedis({ ephemeral: true });
const client = new Redis(r.url), admin = new Redis(r.url);

/** Redis's own CPU seconds so far (user + system, from INFO cpu) */
async function redisCpuS(): Promise<number> {
  const info = await admin.info('cpu');
  const field = (k: string) => Number(info.match(new RegExp(`${k}:([0-9.]+)`))?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** Redis µs per append over one round with this TTL */
async function round(ttlMs: number, tag: string): Promise<number> {
  const store = new RedisStore(client, DEFAULTS.history, { sharded: false }, ttlMs);
  const before = await redisCpuS();
  for (let i = 0; i < APPENDS; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, APPENDS - i) }, (_, k) => {
      const n = i + k, room = `r${n % 50}-${tag}`;
      return store.append({ room, id: `m${n}`, from: 'u', body: 'x'.repeat(64), bytes: 64, topics: [room], origin: 'o', t0: Date.now() });
    }));
  }
  return (((await redisCpuS()) - before) * 1e6) / APPENDS;
}

const ttl = DEFAULTS.historyTtlS * 1000;
const got = { none: [] as number[], ttl: [] as number[] };
for (let k = 0; k < ROUNDS; k++) {
  got.none.push(await round(0, `none${k}`));
  got.ttl.push(await round(ttl, `ttl${k}`));
}
console.log(`Redis store, measured on this machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}, ${APPENDS} appends per round over 50 rooms, ${ROUNDS} alternating rounds, median [min..max]`);
console.log(`  Redis CPU per append (µs, INFO cpu): --history-ttl-s 0 ${fmt(got.none)}; --history-ttl-s ${DEFAULTS.historyTtlS} (the default) ${fmt(got.ttl)}; ratio ${(median(got.ttl) / median(got.none)).toFixed(2)}x`);
new BenchRecord('store').add({ name: `Redis CPU per append, --history-ttl-s ${DEFAULTS.historyTtlS} (the default)`, value: median(got.ttl), unit: 'µs', method: `Redis INFO cpu over ${APPENDS} appends, 50 rooms, median of ${ROUNDS} alternating rounds`, baseline: { name: '--history-ttl-s 0', value: median(got.none) }, better: 'lower' }).save();
client.disconnect();
admin.disconnect();
r.stop();
