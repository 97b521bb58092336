import assert from 'node:assert/strict';
import { test } from 'node:test';
import { POLICIES, STORM_DEFAULTS, capacity, droppedClients, type StormInput } from '../../../calculators/storm/input.js';

test('the dead servers\' share of clients is dropped, and the survivors accept per step and hold up to their cap', () => {
  const i: StormInput = { ...STORM_DEFAULTS, clients: 1000, servers: 4, kill: 1, acceptRatePerServer: 500, connCapPerServer: 400, slotMs: 10 };
  assert.equal(droppedClients(i), 250);
  assert.deepEqual(capacity(i), { perSlot: 15, cap: 1200 });
  assert.ok(!(POLICIES as readonly string[]).includes('never'), 'a storm always reconnects');
});
