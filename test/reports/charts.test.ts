import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { RunResult } from '../../loadgen/result.js';
import { CHART_HEIGHT, CHART_WIDTH, charts, line } from '../../reports/charts.js';
import { pngInfo } from '../helpers/png.js';

test('a chart configuration puts each series on its axis, and says so in its title', () => {
  const cfg = line('T (measured)', 'time (s)', [1, 2], 'ms', [{ label: 'a', data: [1, 2] }, { label: 'b', data: [3, 4], axis: 'y2' }], 'per s');
  assert.equal(cfg.data.datasets.length, 2);
  assert.equal((cfg.data.datasets[1] as { yAxisID?: string }).yAxisID, 'y2');
});

test('a run\'s charts are PNGs of the stated size, each title saying measured', async () => {
  const run = JSON.parse(readFileSync('test/fixtures/run.json', 'utf8')) as RunResult;
  const out = await charts(run);
  assert.ok(out.length >= 4);
  for (const c of out) {
    const p = pngInfo(c.png);
    assert.deepEqual([p.width, p.height], [CHART_WIDTH, CHART_HEIGHT], c.name);
    assert.match(c.title, /measured/, c.name);
    assert.ok(p.colours > 2, `${c.name} is not blank`);
  }
});
