import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { RunResult } from '../../loadgen/result.js';
import type { Plan } from '../../calculators/plan.js';
import { CHART_HEIGHT, CHART_WIDTH } from '../../reports/charts.js';
import { writeReport } from '../../reports/report.js';
import { runBfg } from '../helpers/cli.js';
import { pngInfo } from '../helpers/png.js';

const run = JSON.parse(readFileSync('test/fixtures/run.json', 'utf8')) as RunResult;
const plan = JSON.parse(readFileSync('test/fixtures/plan.json', 'utf8')) as Plan;
const CHARTS = ['connections', 'latency', 'throughput', 'reconnect', 'gateway', 'sizing-servers', 'sizing-bus'];
const SECTIONS = ['Scenario', 'Machine', 'Thresholds', 'Delivery ledger', 'Latency', 'Connections and reconnects', 'Capacity figures', 'Regression against the baseline'];

describe('bfg report from a fixed result file', () => {
  const out = mkdtempSync(join(tmpdir(), 'bfg-report-'));
  let md = '', page = '';
  before(async () => {
    const baseline = structuredClone(run);
    baseline.metrics.p99_ms = run.metrics.p99_ms / 2;
    const w = await writeReport(run, { plan, baseline, tolerancePct: 10, out });
    md = readFileSync(w.md, 'utf8');
    page = readFileSync(w.html, 'utf8');
    assert.equal(w.regressed, true);
  });

  test('every section is in the Markdown and the HTML', () => {
    for (const s of SECTIONS) {
      assert.match(md, new RegExp(`## ${s}`), `markdown has ${s}`);
      assert.match(page, new RegExp(`<h2>${s}`), `html has ${s}`);
    }
    assert.match(md, /reconnect policy full-jitter/);
    assert.match(md, /\| measured \|/);
    assert.match(md, /\| modeled \|/);
  });

  test('every chart is written, decodes at the expected size, and is not one colour', () => {
    for (const c of CHARTS) {
      const info = pngInfo(readFileSync(join(out, 'charts', `${c}.png`)));
      assert.deepEqual([info.width, info.height], [CHART_WIDTH, CHART_HEIGHT], c);
      assert.ok(info.colours > 3, `${c} has ${info.colours} colours`);
      assert.match(md, new RegExp(`\\(charts/${c}\\.png\\)`));
    }
    assert.equal((page.match(/src="data:image\/png;base64,/g) ?? []).length, CHARTS.length, 'charts are inlined');
    assert.doesNotMatch(page, /(src|href)="(https?:|\/\/)/, 'nothing is fetched from outside');
  });

  test('a broken threshold shows as failed, and the regression is marked', () => {
    // `<` escaped as in HTML: Markdown renders it as `<`, and a data string cannot open a tag
    assert.match(md, /\| p99_ms &lt; 0\.001 \| [0-9.]+ \| FAILED \|/);
    assert.match(page, /<tr class="bad"><td>p99_ms &lt; 0.001<\/td>/);
    assert.match(md, /\| p99_ms \| [0-9.]+ \| [0-9.]+ \| 100 \| REGRESSED \|/);
    assert.match(md, /Result: FAIL/);
  });
});

test('bfg report CLI: exit 1 on a regression, exit 2 naming a file that is not a result', async () => {
  const out = mkdtempSync(join(tmpdir(), 'bfg-report-cli-'));
  const same = await runBfg(['report', 'test/fixtures/run.json', '--baseline', 'test/fixtures/run.json', '--out', out]);
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stdout, /wrote .*report\.md/);
  const bad = await runBfg(['report', 'test/fixtures/plan.json', '--out', out]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /expected schema bfg\.result\.v1, found bfg\.plan\.v1/);
});

test('report.md escapes every data string: hostile scenario, gateway and agent names open no tag and no link', async () => {
  const out = mkdtempSync(join(tmpdir(), 'bfg-report-hostile-'));
  const hostile = structuredClone(run);
  const evil = ['<img src=x onerror=alert(1)>', '<script>alert(2)</script>', '<svg onload=alert(3)>', '[click](javascript:alert(4))'];
  hostile.scenario.name = evil[0];
  hostile.scenario.description = evil.join(' ');
  hostile.agents[0].name = evil[3];
  hostile.target = `ws://127.0.0.1:1/${evil[1]}`;
  hostile.trusted = false;
  hostile.untrusted_reasons = [evil[2]];
  hostile.stats.errors = { ...hostile.stats.errors, [evil[1]]: 1 };
  const w = await writeReport(hostile, { out });
  const md = readFileSync(w.md, 'utf8');
  assert.ok(md.includes('&lt;img src=x onerror=alert(1)&gt;'), 'the scenario name is in the report, escaped');
  assert.doesNotMatch(md, /<(img|script|svg)\b/i, 'no raw tag');
  assert.doesNotMatch(md, /(?<!\\)\]\(javascript:/i, 'no link');
});
