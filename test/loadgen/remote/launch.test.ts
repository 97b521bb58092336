/** The coordinator's side of a distributed run, against a real Redis: the reference clock, and agents that never come. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { referenceNow, waitForAgents } from '../../../loadgen/remote/launch.js';
import { BfgError } from '../../../protocol/index.js';
import { startRedis } from '../../helpers/redis.js';

let redis: Awaited<ReturnType<typeof startRedis>>;
before(async () => { redis = await startRedis({ ephemeral: true }); });
after(() => redis.stop());

test('waiting for agents that never join fails in time, saying how many are missing and how to start them', async () => {
  const t = Date.now();
  await assert.rejects(waitForAgents(redis.url, 2, 600), (e: BfgError) => e.code === 'unreachable' && /0 of 2 joined/.test(e.message) && /bfg agent --join/.test(e.message));
  assert.ok(Date.now() - t < 5000);
});

test('the reference clock is the Redis server\'s', async () => {
  const { Redis } = await import('ioredis');
  const r = new Redis(redis.url);
  try {
    const now = await referenceNow(r);
    assert.ok(Math.abs(now - Date.now()) < 1000, `Redis TIME ${now} against ${Date.now()}`);
  } finally {
    r.disconnect();
  }
});
