/** `bfg load`'s edge: each run's result in a file of its own by default, and bad flags refused. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { resultPath } from '../../loadgen/command.js';
import { BFG, runBfg } from '../helpers/cli.js';

test('a result path is named by the scenario and the time, and never overwrites an earlier run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bfg-out-'));
  const at = new Date('1999-01-02T03:04:05.678Z');
  const first = resultPath('room fanout/x', at, dir);
  assert.equal(first, `${dir}/room_fanout_x-1999-01-02-030405.json`);
  writeFileSync(first, '{}');
  assert.equal(resultPath('room fanout/x', at, dir), `${dir}/room_fanout_x-1999-01-02-030405-2.json`);
});

test('two runs without --out leave two result files', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'bfg-load-'));
  const scenario = resolve('scenarios/smoke.yaml');
  for (let i = 0; i < 2; i++) {
    const p = spawn(process.execPath, [BFG, 'load', scenario, '--serve', '--no-progress'], { cwd, stdio: 'ignore' });
    const code = await new Promise((r) => p.on('exit', r));
    assert.ok(code === 0 || code === 1, `run ${i + 1} exited ${code}`);
  }
  const files = readdirSync(join(cwd, 'results')).filter((f) => /^smoke-.*\.json$/.test(f));
  assert.equal(files.length, 2, files.join(', '));
  assert.equal(existsSync(join(cwd, 'results', 'run.json')), false);
});

test('an unknown flag and a missing scenario are refused with exit 2', async () => {
  const bad = await runBfg(['load', 'scenarios/smoke.yaml', '--bogus-flag']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /bogus-flag/);
  const none = await runBfg(['load']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /name a scenario file/);
});

test('--set cannot reach a prototype: __proto__, constructor and prototype segments are refused with exit 2', async () => {
  for (const path of ['__proto__.polluted=1', 'constructor.prototype.polluted=1', 'messages.__proto__.x=1', 'rooms.prototype=1']) {
    const r = await runBfg(['load', 'scenarios/smoke.yaml', '--target', 'ws://127.0.0.1:9', '--set', path, '--no-progress']);
    assert.equal(r.code, 2, `${path}: ${r.stderr}`);
    assert.match(r.stderr, /__proto__|constructor|prototype/);
  }
});
