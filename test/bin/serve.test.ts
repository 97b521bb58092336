import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { serveFlags } from '../../server/command.js';
import { TestClient } from '../helpers/client.js';
import { runBfg, startServe } from '../helpers/cli.js';
import yargs from 'yargs';

test('bfg serve --help documents every option', async () => {
  const { code, stdout } = await runBfg(['serve', '--help']);
  assert.equal(code, 0);
  const declared = Object.keys((serveFlags(yargs([])) as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key)
    .filter((k) => !['help', 'version', '$0'].includes(k));
  assert.ok(declared.length >= 20);
  for (const k of declared) assert.match(stdout, new RegExp(`--${k}\\b`), `--${k} is in the help`);
});

test('a wrong flag exits 2 naming the flag and the fix', async () => {
  const { code, stderr } = await runBfg(['serve', '--prot', '80']);
  assert.equal(code, 2);
  assert.match(stderr, /bad_option: Unknown argument: prot/);
  assert.match(stderr, /fix: /);
});

test('bad option values are all reported at once', async () => {
  const { code, stderr } = await runBfg(['serve', '--auth', 'jwt', '--history', '-1', '--msg-rate', '0']);
  assert.equal(code, 2);
  assert.match(stderr, /history: -1/);
  assert.match(stderr, /msgRate: 0/);
  assert.match(stderr, /jwtSecret: required/);
});

test('--nodes 2 with the memory bus is refused with a clear message', async () => {
  const { code, stderr } = await runBfg(['serve', '--auth', 'none', '--nodes', '2']);
  assert.equal(code, 2);
  assert.match(stderr, /in-process bus cannot join processes/);
});

test('SIGTERM: every client gets drain with a jittered retryAfterMs, then the process exits 0', async () => {
  const { proc, port } = await startServe(['--auth', 'none', '--drain-jitter-ms', '5000']);
  const clients = await Promise.all([1, 2, 3, 4, 5].map((i) => TestClient.connect(`ws://127.0.0.1:${port}/?user=u${i}`)));
  await Promise.all(clients.map((c) => c.waitFor((f) => f.op === 'hello')));
  const exited = once(proc, 'exit');
  proc.kill('SIGTERM');
  const drains = await Promise.all(clients.map((c) => c.waitFor((f) => f.op === 'drain')));
  const waits = drains.map(([d]) => (d as { retryAfterMs: number }).retryAfterMs);
  assert.ok(waits.every((w) => w >= 0 && w <= 5000));
  assert.ok(new Set(waits).size > 1, `retryAfterMs is jittered per client: ${waits}`);
  for (const c of clients) assert.equal((await c.waitClose()).code, 1001);
  const [code] = await exited;
  assert.equal(code, 0);
});

test('the JWT secret: a flag is visible in ps, so the CLI says so and prefers BFG_JWT_SECRET; a short one is refused', async () => {
  const long = 'flag-secret-0123456789abcdef-0123456789';
  const short = await runBfg(['serve', '--port', '0', '--jwt-secret', 'too-short']);
  assert.equal(short.code, 2);
  assert.match(short.stderr, /jwtSecret: 9 bytes is too short.*at least 32/);
  assert.match(short.stderr, /visible to every local user in ps/);
  const { proc, output } = await startServe(['--jwt-secret', long]);
  assert.match(output(), /prefer the environment variable BFG_JWT_SECRET/);
  const exited = once(proc, 'exit');
  proc.kill('SIGTERM');
  await exited;
});
