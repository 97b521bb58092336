import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { RunResult } from '../../../loadgen/result.js';
import { judge, stepScenario } from '../../../loadgen/find/step.js';
import { loadScenario } from '../../../loadgen/scenario/scenario.js';

const o = { holdS: 5, warmupS: 1, minSamples: 1000, maxHoldS: 60 };

test('a step sets the varied dimension, starts traffic after the arrivals and holds long enough for its samples', () => {
  const base = loadScenario('scenarios/room-fanout.yaml');
  const s = stepScenario(base, 'users', 400, o);
  assert.equal(s.users, 400);
  assert.equal(s.send_after_s, 400 / base.arrival_rate + 0.5);
  assert.ok(s.duration_s - s.send_after_s! >= o.holdS);
  assert.equal(stepScenario(base, 'rate', 3, o).messages.rate_per_room, 3);
  assert.equal(stepScenario(base, 'room_size', 20, o).rooms.size, 20);
  // at a trickle the hold grows to gather the samples, up to its cap
  const slow = stepScenario(base, 'rate', 0.01, o);
  assert.equal(slow.duration_s - slow.send_after_s!, o.maxHoldS);
  assert.ok(Object.isFrozen(s));
});

test('a run that broke a threshold is judged broken, and says which', () => {
  const r = JSON.parse(readFileSync('test/fixtures/run.json', 'utf8')) as RunResult;
  const s = loadScenario('scenarios/room-fanout.yaml');
  const p99 = [{ expr: 'p99_ms < 1', metric: 'p99_ms', ok: false, actual: 9 }] as RunResult['thresholds'];
  const broken = judge({ ...r, thresholds: p99, trusted: true, untrusted_reasons: [] }, s, 5);
  assert.equal(broken.ok, false);
  assert.equal(broken.generatorBound, false, 'a trusted run that broke is the gateway\'s');
  assert.match(broken.broke.join(), /p99_ms < 1/);
  const late = judge({ ...r, thresholds: p99, trusted: false, untrusted_reasons: ['send lag'] }, s, 5);
  assert.equal(late.generatorBound, true, 'a latency SLO broken while the generator was untrusted is the generator\'s');
  const held = judge({ ...r, thresholds: [{ expr: 'lost == 0', ok: true, actual: 0 }] as RunResult['thresholds'], trusted: true, untrusted_reasons: [] }, s, 5);
  assert.deepEqual(held.broke, []);
});
