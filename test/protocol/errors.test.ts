import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ERRORS, type ErrorSpec } from '../../protocol/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('every error code is used by the code and documented in docs/errors.md, with its close code and HTTP status', () => {
  const code = ['protocol', 'server', 'loadgen', 'calculators', 'reports', 'bin', 'common'].flatMap((d) => sources(path.join(root, d)))
    .filter((f) => !f.endsWith(path.join('protocol', 'errors.ts'))).map((f) => readFileSync(f, 'utf8')).join('\n');
  const readme = readFileSync(path.join(root, 'docs/errors.md'), 'utf8');
  const rows = new Map([...readme.matchAll(/^ *\| `([a-z_]+)` \| (\d*) *\| (\d*) *\|/gm)].map((m) => [m[1], { close: m[2], status: m[3] }]));
  for (const [name, spec] of Object.entries(ERRORS) as [string, ErrorSpec][]) {
    assert.match(code, new RegExp(`'${name}'|"${name}"|ERRORS\\.${name}\\b`), `${name} is used somewhere outside the catalogue`);
    const row = rows.get(name);
    assert.ok(row, `${name} has a row in docs/errors.md`);
    assert.equal(row.close, spec.close === undefined ? '' : String(spec.close), `${name}: docs/errors.md gives its close code`);
    assert.equal(row.status, spec.status === undefined ? '' : String(spec.status), `${name}: docs/errors.md gives its HTTP status`);
    assert.ok(spec.message.length > 10 && spec.fix.length > 10, `${name} says what went wrong and what to do`);
  }
  for (const name of rows.keys()) assert.ok(name in ERRORS, `docs/errors.md documents only codes that exist (${name})`);
});
