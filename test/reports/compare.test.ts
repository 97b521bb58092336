import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunResult } from '../../loadgen/result.js';
import { runBfg } from '../helpers/cli.js';
import { pngInfo } from '../helpers/png.js';

test('bfg report a.json b.json: the runs side by side, figures with ratios to the first, overlaid charts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bfg-compare-'));
  const a = JSON.parse(readFileSync('test/fixtures/run.json', 'utf8')) as RunResult;
  const b = structuredClone(a);
  b.scenario.protocol = 'socketio';
  b.target = 'ws://127.0.0.1:3000/';
  b.latency.every.p99_ms = a.latency.every.p99_ms * 2;
  b.ledger.lost = 7;
  writeFileSync(join(dir, 'ours.json'), JSON.stringify(a));
  writeFileSync(join(dir, 'theirs.json'), JSON.stringify(b));
  const out = join(dir, 'report');
  const r = await runBfg(['report', join(dir, 'ours.json'), join(dir, 'theirs.json'), '--out', out]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /2 runs side by side/);
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md, /ours \(bfg @ /);
  assert.match(md, /theirs \(socketio @ 127\.0\.0\.1:3000\)/);
  // the p99 row holds both figures and the ratio 2.00×
  const p99 = md.split('\n').find((l) => l.startsWith('| latency p99 (ms)'))!;
  assert.ok(p99.includes('2.00×'), p99);
  assert.match(md.split('\n').find((l) => l.startsWith('| lost'))!, /\| 0 \| 7 \|/);
  for (const c of ['compare-latency', 'compare-delivered', 'compare-connections']) {
    const png = join(out, 'charts', `${c}.png`);
    assert.ok(existsSync(png), c);
    assert.ok(pngInfo(readFileSync(png)).width > 100);
  }
  assert.ok(readFileSync(join(out, 'report.html'), 'utf8').includes('data:image/png;base64,'));
});

test('bfg report: several results take no --plan or --baseline (exit 2, named)', async () => {
  const r = await runBfg(['report', 'test/fixtures/run.json', 'test/fixtures/run.json', '--baseline', 'test/fixtures/run.json', '--out', join(tmpdir(), 'x')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /side-by-side report \(several results\) takes neither/);
});
