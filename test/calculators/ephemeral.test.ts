import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ephemeralShare, ephemeralWritesPerSec, notificationsPerSec, receiptsPerSec, typingPerSec } from '../../calculators/ephemeral.js';
import { planInputs } from '../../calculators/inputs.js';
import { makePlan } from '../../calculators/plan.js';

test('ephemeral traffic: one formula each', () => {
  assert.equal(typingPerSec(1000, 2), 2000);
  // each of 49 other members reads; one receipt covers 4 messages
  assert.equal(receiptsPerSec(1000, 50, 0.25), 12_250);
  assert.equal(receiptsPerSec(1000, 1, 0.25), 0, 'nobody else to read');
  // receipts grow with the square of the room: twice the members, about four times the writes
  const w = (m: number) => ephemeralWritesPerSec(0, receiptsPerSec(1, m, 1), m);
  assert.equal(w(100) / w(50), (99 * 99) / (49 * 49));
  assert.equal(ephemeralWritesPerSec(2000, 12_250, 50), 14_250 * 49);
  assert.equal(ephemeralShare(1000, 3000), 0.75);
  assert.equal(ephemeralShare(0, 0), 0);
  assert.equal(notificationsPerSec(1000, 0.5, 0.05, 0.6), 330);
});

test('the plan adds typing and receipts to fan-out writes, bus deliveries and servers, and counts notification records', () => {
  const fig = (p: ReturnType<typeof makePlan>, name: string) => p.figures.find((f) => f.name.startsWith(name))!.value as number;
  const off = makePlan(planInputs({ typing_per_msg: 0, receipts_per_delivery: 0 }));
  const on = makePlan(planInputs({}));
  assert.equal(fig(off, 'fan-out writes per second at peak: typing and receipts'), 0);
  assert.ok(fig(on, 'share of fan-out writes that are typing and receipts') > 50, 'with the defaults ephemeral writes outnumber message writes');
  assert.ok(fig(on, 'bus deliveries per second at peak') > fig(off, 'bus deliveries per second at peak'));
  assert.ok(fig(on, 'servers by fan-out CPU at peak') > fig(off, 'servers by fan-out CPU at peak'));
  const peak = fig(on, 'peak messages per second');
  assert.ok(Math.abs(fig(on, 'offline notification records per second at peak') - peak * 0.55 * 0.6) < peak * 0.001);
  assert.throws(() => planInputs({ typing_per_msg: -1 }), /typing_per_msg: -1 must be a non-negative number/);
  assert.throws(() => planInputs({ offline_share: 1.5 }), /offline_share: 1.5 is a share: at most 1/);
  assert.throws(() => planInputs({ rooms: 0 }), /rooms: 0 must be a positive number/);
});
