import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { capacityResult } from '../../loadgen/find/capacity.js';
import { judge, stepScenario } from '../../loadgen/find/step.js';
import type { RunResult } from '../../loadgen/result.js';
import { loadScenario } from '../../loadgen/scenario/scenario.js';
import { writeCapacityReport } from '../../reports/capacity.js';
import { pngInfo } from '../helpers/png.js';

test('a capacity report shows the knee from the search\'s steps, with its chart', async () => {
  const run = JSON.parse(readFileSync('test/fixtures/run.json', 'utf8')) as RunResult;
  const s = loadScenario('scenarios/room-fanout.yaml');
  const o = { holdS: 5, warmupS: 1, minSamples: 100, maxHoldS: 60 };
  const held = judge({ ...run, thresholds: [{ expr: 'p99_ms < 250', metric: 'p99_ms', op: '<', value: 250, ok: true, actual: 5 }], trusted: true, untrusted_reasons: [] } as RunResult, stepScenario(s, 'users', 100, o), 5);
  const broke = judge({ ...run, thresholds: [{ expr: 'p99_ms < 250', metric: 'p99_ms', op: '<', value: 250, ok: false, actual: 400 }], trusted: true, untrusted_reasons: [] } as RunResult, stepScenario(s, 'users', 200, o), 5);
  const c = capacityResult(s, 'users', 'ws://127.0.0.1:1', new Date().toISOString(),
    { from: 100, to: 1000, factor: 2, tolerance: 0.05, hold_s: 5, warmup_s: 1, min_samples: 100, retries: 1 },
    { steps: [{ value: 100, verdict: held }, { value: 200, verdict: broke }], highestOk: { value: 100, verdict: held }, firstBroken: { value: 200, verdict: broke }, stopped: 'knee' });
  const out = mkdtempSync(join(tmpdir(), 'bfg-capacity-'));
  const w = await writeCapacityReport(c, { out });
  const md = readFileSync(w.md, 'utf8');
  assert.match(md, /users=100/);
  assert.match(md, /users=200 broke/);
  assert.ok(w.charts.length >= 1);
  for (const f of w.charts) assert.ok(pngInfo(readFileSync(f)).width > 0, f);
  assert.doesNotMatch(readFileSync(w.html, 'utf8'), /<script src=|https?:\/\/(?!www\.w3\.org)/, 'self-contained');
});
