/** `bfg report`'s edge: what it refuses, with exit 2 and the file named, before writing anything. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runBfg } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bfg-report-cmd-'));

test('a file that is not a result, or not JSON, is refused with exit 2 naming it', async () => {
  const notJson = join(dir, 'x.json'), wrong = join(dir, 'y.json');
  writeFileSync(notJson, '{oops');
  writeFileSync(wrong, JSON.stringify({ schema: 'something.else' }));
  for (const f of [notJson, wrong, join(dir, 'missing.json')]) {
    const r = await runBfg(['report', f, '--out', join(dir, 'out')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /bad_option/);
    assert.ok(r.stderr.includes(f), `names ${f}: ${r.stderr}`);
  }
  assert.equal(existsSync(join(dir, 'out', 'report.md')), false, 'nothing written');
});

test('several results with --baseline are refused: a side-by-side report takes neither --plan nor --baseline', async () => {
  const r = await runBfg(['report', 'test/fixtures/run.json', 'test/fixtures/run.json', '--baseline', 'test/fixtures/run.json', '--out', join(dir, 'side')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /side-by-side report/);
});

test('--out is required', async () => {
  const r = await runBfg(['report', 'test/fixtures/run.json']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /out/);
});
