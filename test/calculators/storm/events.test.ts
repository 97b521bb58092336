import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventsStorm, STORM_DEFAULTS, type StormInput } from '../../../calculators/storm/index.js';

const base: StormInput = { ...STORM_DEFAULTS, clients: 50_000, servers: 5, kill: 1, acceptRatePerServer: 1000, horizonS: 120 };

test('the events engine is reproducible by seed and gives per-client reconnect percentiles in order', () => {
  const a = eventsStorm(base, 7), b = eventsStorm(base, 7);
  assert.deepEqual(a.summary, b.summary);
  const r = a.summary.reconnectS!;
  assert.ok(r.p50 <= r.p90 && r.p90 <= r.p99 && r.p99 <= r.max, JSON.stringify(r));
  assert.equal(a.summary.dropped, 10_000);
});

test('accepting fewer connections per second slows recovery and rejects more', () => {
  const fast = eventsStorm({ ...base, acceptRatePerServer: 10_000 }).summary;
  const slow = eventsStorm({ ...base, acceptRatePerServer: 200 }).summary;
  assert.ok(fast.timeTo99S !== null);
  assert.ok(slow.timeTo99S === null || slow.timeTo99S > fast.timeTo99S!, `${slow.timeTo99S} vs ${fast.timeTo99S}`);
  assert.ok(slow.totalRejected > fast.totalRejected);
});
