/** The tree's shape: imports run down the folder table with no circle, files stay small, and tests mirror the tree. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCES = ['bin', 'common', 'protocol', 'server', 'loadgen', 'calculators', 'reports', 'bench'];

function tsFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(path.join(ROOT, p)).isDirectory() ? tsFiles(p) : f.endsWith('.ts') ? [p] : [];
  });
}

/** every relative import of a file (type-only ones too), as repository paths */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)].map((m) => path.join(path.dirname(file), m[1]).replace(/\.js$/, '.ts'));
}

/** the first import circle found among `files`, as a path, or undefined */
export function findCircle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 1 | 2>(), stack: string[] = [];
  const visit = (f: string): string[] | undefined => {
    if (state.get(f) === 2) return undefined;
    if (state.get(f) === 1) return [...stack.slice(stack.indexOf(f)), f];
    state.set(f, 1);
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      const c = visit(g);
      if (c) return c;
    }
    stack.pop();
    state.set(f, 2);
    return undefined;
  };
  for (const f of graph.keys()) {
    const c = visit(f);
    if (c) return c;
  }
  return undefined;
}

test('no import circle among the sources', () => {
  const graph = new Map(SOURCES.flatMap(tsFiles).map((f) => [f, importsOf(f)]));
  assert.equal(findCircle(graph)?.join(' -> '), undefined);
});

test('the circle finder finds a circle (and none in a line)', () => {
  assert.deepEqual(findCircle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), ['a', 'b', 'c', 'a']);
  assert.equal(findCircle(new Map([['a', ['b']], ['b', ['c']], ['c', []]])), undefined);
});

test('imports run down the folder table: the server and the load generator never import each other; calculators open no sockets', () => {
  const bad: string[] = [];
  for (const f of SOURCES.flatMap(tsFiles)) {
    const part = f.split(path.sep)[0];
    for (const g of importsOf(f)) {
      const to = g.split(path.sep)[0];
      if ((part === 'server' && to === 'loadgen') || (part === 'loadgen' && to === 'server') || (part === 'protocol' && !['protocol', 'common'].includes(to))
        || (part === 'common' && !['common', 'protocol'].includes(to)) || (part === 'calculators' && ['server', 'reports'].includes(to))) bad.push(`${f} imports ${g}`);
    }
    if (part === 'calculators' && /from 'node:(net|http|dgram)'|from 'ws'/.test(readFileSync(path.join(ROOT, f), 'utf8'))) bad.push(`${f} opens sockets`);
  }
  assert.deepEqual(bad, []);
});

test('no source or test file is over 300 lines', () => {
  const long = [...SOURCES, 'test'].flatMap(tsFiles).map((f) => [f, readFileSync(path.join(ROOT, f), 'utf8').split('\n').length] as const)
    .filter(([, n]) => n > 300).map(([f, n]) => `${f}: ${n} lines`);
  assert.deepEqual(long, []);
});


test('every file over 60 lines in loadgen/, protocol/, calculators/ and reports/ has a test at the mirrored path', () => {
  const missing = ['loadgen', 'protocol', 'calculators', 'reports'].flatMap(tsFiles)
    .filter((f) => readFileSync(path.join(ROOT, f), 'utf8').split('\n').length > 60)
    .map((f) => path.join('test', f.replace(/\.ts$/, '.test.ts')))
    .filter((t) => !existsSync(path.join(ROOT, t)));
  assert.deepEqual(missing, [], 'files over 60 lines without a mirrored test');
});
