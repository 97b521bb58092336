/**
 * scripts/pack.sh: the pack carried to a machine without Node or Redis runs a Redis fleet from its own
 * binaries and packages alone (a package left out, or a binary the pack does not hold, fails here, not
 * on a lent machine whose minutes are counted).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/redis.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'bfg-pack-'));
const packDir = path.join(root, '.pack');
// the pack's binaries first, as on the machine it is made for
const env = { ...process.env, PATH: `${path.join(packDir, 'bin')}:${process.env.PATH}`, BFG_REDIS_DIR: path.join(root, 'redis') };
let port = 0;

before(async () => {
  execFileSync('bash', ['scripts/pack.sh', 'make', packDir], { cwd: ROOT, stdio: 'pipe', timeout: 170_000 });
  port = await freePort();
});

after(() => {
  spawnSync('bash', ['scripts/redis.sh', 'stop', String(port)], { cwd: ROOT, env, stdio: 'ignore' });
  rmSync(root, { recursive: true, force: true });
});

test('unpack puts dist, node_modules and the pack\'s node and redis-server beside it, and says both start', () => {
  const out = execFileSync('bash', ['scripts/pack.sh', 'unpack', packDir], { cwd: ROOT, encoding: 'utf8' });
  assert.match(out, new RegExp(`pack: node ${process.version.replace(/\./g, '\\.')}`));
  assert.match(out, /Redis server v=\d/);
  assert.ok(readFileSync(path.join(root, 'dist/bin/bfg.js'), 'utf8').length > 0);
  assert.equal(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).type, 'module');
});

test('a two-node Redis fleet runs from the pack: its redis-server, its node for gateways and agents, nothing lost', () => {
  const started = execFileSync('bash', ['scripts/redis.sh', 'start', String(port)], { cwd: ROOT, env, encoding: 'utf8' });
  assert.match(started, /started/);
  const pid = Number(readFileSync(path.join(root, 'redis/redis.pid'), 'utf8'));
  assert.equal(readlinkSync(`/proc/${pid}/exe`), path.join(packDir, 'redis/redis-server'), 'the pack\'s Redis, not this machine\'s');
  const scenario = path.join(root, 'fleet.yaml');
  writeFileSync(scenario, JSON.stringify({
    name: 'pack', users: 20, arrival_rate: 100, duration_s: 3, rooms: { size: 5 }, messages: { rate_per_room: 5, body_bytes: 32 },
    serve: { nodes: 2 }, thresholds: ['lost == 0', 'connect_errors == 0'],
  }));
  const node = path.join(packDir, 'bin/node');
  const res = spawnSync(node, [path.join(root, 'dist/bin/bfg.js'), 'load', scenario, '--serve', '--redis', `redis://127.0.0.1:${port}`, '--no-progress', '--out', path.join(root, 'run.json')],
    { cwd: root, env, encoding: 'utf8', timeout: 90_000 });
  assert.equal(res.status, 0, `bfg load from the pack: ${res.stdout}\n${res.stderr}`);
  const r = JSON.parse(readFileSync(path.join(root, 'run.json'), 'utf8'));
  assert.equal(r.stats.connect_errors, 0);
  assert.ok(r.ledger.delivered > 0, 'messages went through the Redis fleet');
  assert.equal(r.ledger.lost, 0);
});
