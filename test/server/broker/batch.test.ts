/** Subscription batching on a real redis-server: one command per turn and kind, in order, errors to every asker. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { SubscriptionBatch } from '../../../server/broker/batch.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { until } from '../../helpers/wait.js';

let redis: TestRedis;
let admin: Redis;
before(async () => {
  redis = await startRedis({ ephemeral: true });
  admin = new Redis(redis.url);
});
after(() => {
  admin.disconnect();
  redis.stop();
});

/** calls of one command since the last CONFIG RESETSTAT */
async function calls(cmd: string): Promise<number> {
  const m = new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(await admin.info('commandstats'));
  return m ? Number(m[1]) : 0;
}

test('50 subscribes asked in one turn go as one SUBSCRIBE, and every channel then receives', async () => {
  const sub = new Redis(redis.url);
  const got = new Set<string>();
  sub.on('message', (ch: string) => got.add(ch));
  await admin.config('RESETSTAT');
  const channels = Array.from({ length: 50 }, (_, i) => `batch:a:${i}`);
  const batch = new SubscriptionBatch(sub);
  await Promise.all(channels.map((c) => batch.add(true, c)));
  assert.equal(await calls('subscribe'), 1);
  for (const c of channels) assert.equal(await admin.publish(c, 'x'), 1, `${c} has its subscriber`);
  await until(() => got.size === 50, 5000, 'every channel delivered');
  // a later turn is a command of its own
  await batch.add(true, 'batch:a:late');
  assert.equal(await calls('subscribe'), 2);
  sub.disconnect();
});

test('subscribe then unsubscribe of one channel in one turn keep their order: it ends unsubscribed', async () => {
  const sub = new Redis(redis.url);
  await admin.config('RESETSTAT');
  const batch = new SubscriptionBatch(sub);
  await Promise.all([batch.add(true, 'batch:b:1'), batch.add(true, 'batch:b:2'), batch.add(false, 'batch:b:1')]);
  assert.equal(await calls('subscribe'), 1);
  assert.equal(await calls('unsubscribe'), 1);
  assert.equal(await admin.publish('batch:b:1', 'x'), 0, 'unsubscribed last');
  assert.equal(await admin.publish('batch:b:2', 'x'), 1, 'still subscribed');
  sub.disconnect();
});

test('a failed command rejects every asker of its run, naming the cause', async () => {
  const sub = new Redis(redis.url, { enableOfflineQueue: false, lazyConnect: true });
  const batch = new SubscriptionBatch(sub);
  const asks = ['batch:c:1', 'batch:c:2'].map((c) => batch.add(true, c));
  for (const a of asks) await assert.rejects(a, /writable|offline|closed|connection/i);
  sub.disconnect();
});
