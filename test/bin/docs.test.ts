/** The docs: generated pages match what `npm run docs` writes now, the guide's shape, and no diary anywhere. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, generatedDocs } from '../../bin/docs.js';

const PAGES = ['architecture', 'gateway', 'errors', 'scenarios', 'protocols', 'capacity', 'fleet', 'security', 'benchmarks'];

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((f) => {
    const p = path.join(dir, f);
    if (f === 'node_modules' || f === 'lib' || f === 'results') return [];
    return statSync(path.join(ROOT, p)).isDirectory() ? files(p, ext) : ext.test(f) ? [p] : [];
  });
}

test('every generated page is what npm run docs writes now (run it after changing options, errors or bench results)', () => {
  for (const [p, want] of generatedDocs()) assert.equal(readFileSync(path.join(ROOT, p), 'utf8'), want, `${p} is stale: run npm run docs`);
});

test('the README is a short guide that links every docs page, and each page exists', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  assert.ok(readme.split('\n').length <= 300, `README.md has ${readme.split('\n').length} lines (at most 300)`);
  for (const p of PAGES) {
    assert.ok(existsSync(path.join(ROOT, `docs/${p}.md`)), `docs/${p}.md exists`);
    assert.ok(readme.includes(`(docs/${p}.md)`), `the README links docs/${p}.md`);
  }
});

test('every source path a doc names exists', () => {
  for (const doc of ['README.md', ...PAGES.map((p) => `docs/${p}.md`)]) {
    const text = readFileSync(path.join(ROOT, doc), 'utf8');
    for (const m of text.matchAll(/`((?:bin|common|protocol|server|loadgen|calculators|reports|bench|scripts|scenarios|test)\/[\w./-]+\.(?:ts|sh|yaml|md))`/g)) {
      assert.ok(existsSync(path.join(ROOT, m[1])), `${doc} names ${m[1]}, which does not exist`);
    }
  }
});

/** what a diary looks like: a date, an ordinal period of work, history told in the present text */
const DIARY = [
  /\b20\d\d-\d\d-\d\d\b/,
  /\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth)[- ]session's\b/i,
  /\bthe (second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth) session\b/i,
  /\b(this|last|previous|earlier) session's (run|build|bench|figures?|machine|VM)\b/i,
  /\bin (this|the last|a previous|an earlier) session\b/i,
  /\bas it did before\b/i,
  /\b(before|since|until) (20\d\d|the \w+ session)\b/i,
  /\bthis VM\b/,
];

test('no dated diary or ordinal reference to a period of work in the README, docs, source comments or output', () => {
  const all = [
    'README.md', ...files('docs', /\.md$/), ...files('scenarios', /\.(md|yaml)$/),
    ...['bin', 'common', 'protocol', 'server', 'loadgen', 'calculators', 'reports', 'bench', 'scripts', 'test'].flatMap((d) => files(d, /\.(ts|sh|js)$/)),
  ].filter((f) => f !== path.join('test', 'bin', 'docs.test.ts'));
  const hits: string[] = [];
  for (const f of all) {
    readFileSync(path.join(ROOT, f), 'utf8').split('\n').forEach((line, i) => {
      // the benchmarks page dates each bench's run from its JSON: data, not a diary
      if (f === path.join('docs', 'benchmarks.md') && /^Measured 20\d\d-\d\d-\d\d, build/.test(line)) return;
      for (const re of DIARY) if (re.test(line)) hits.push(`${f}:${i + 1}: ${line.trim().slice(0, 120)}`);
    });
  }
  assert.deepEqual(hits, []);
});

test('the diary check catches what it is for', () => {
  const caught = (s: string) => DIARY.some((re) => re.test(s));
  for (const s of ['measured 2026-12-02', 'the eighth session\'s run', 'the ninth session', 'this session\'s bench', 'as it did before the fix', 'until the third session', 'on this VM']) assert.ok(caught(s), s);
  for (const s of ['a user\'s first session opens on a node', 'the session\'s rooms', 'a second session of a is not its first', 'the user\'s last session here', 'read for this session (join)']) assert.ok(!caught(s), s);
});
