import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calibrateCapacity } from '../../calculators/calibrate.js';
import type { CapacityResult } from '../../loadgen/find/capacity.js';

const base = {
  scenario: { name: 'room-fanout' }, vary: 'users', target: 'ws://127.0.0.1:1', slo: ['p99_ms < 50'],
  highest_ok: { users: 4000 }, stopped: 'knee', why: 'users=4400 broke',
  knee_per_node: { connections: 4000, deliveries_per_s: 9000, rss_per_connection_bytes: 10 * 1024, measured_on: '2x test cpu' },
} as unknown as CapacityResult;

test('a knee from --vary users becomes the measured connections per server, with where it came from', () => {
  const c = calibrateCapacity(base, 'cap.json');
  assert.equal(c.values.slo_connections_per_server, 4000);
  assert.equal(c.values.mem_per_conn_kib, 10);
  assert.equal(c.sources.slo_connections_per_server?.provenance, 'measured');
  assert.match(c.sources.slo_connections_per_server!.note, /cap\.json: bfg find --vary users on room-fanout/);
  assert.equal(c.values.slo_deliveries_per_server_per_sec, undefined);
});

test('--vary rate gives deliveries per second; a search that never broke is a lower bound; one with no knee changes nothing', () => {
  const rate = calibrateCapacity({ ...base, vary: 'rate', highest_ok: { rate: 20 } } as unknown as CapacityResult, 'c.json');
  assert.equal(rate.values.slo_deliveries_per_server_per_sec, 9000);
  const lower = calibrateCapacity({ ...base, stopped: 'max_reached' } as unknown as CapacityResult, 'c.json');
  assert.ok(lower.notes.some((n) => /lower bound/.test(n)));
  const none = calibrateCapacity({ ...base, stopped: 'first_step_broken', knee_per_node: undefined } as unknown as CapacityResult, 'c.json');
  assert.deepEqual(none.values, {});
  assert.match(none.notes[0], /no measured limit/);
});
