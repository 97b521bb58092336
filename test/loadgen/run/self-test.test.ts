import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selfTest, selfTestText } from '../../../loadgen/run/self-test.js';

test('the self-test sends every message through a real loopback echo and reports a round trip for each', async () => {
  const r = await selfTest(200, 400);
  assert.equal(r.round_trip.count, 200, 'one round trip per message');
  assert.equal(r.send_lag.count, 200);
  assert.ok(r.round_trip.p50_ms > 0 && r.round_trip.p50_ms <= r.round_trip.p99_ms && r.round_trip.p99_ms <= r.round_trip.max_ms);
  const text = selfTestText(r);
  assert.match(text, /measured: one lean socket to an in-process ws echo/);
  assert.match(text, /200 messages at 400\/s/);
});
