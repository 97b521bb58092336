/** A private nats-server with a WebSocket listener for a test (never the machine's own NATS on 4222). */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './redis.js';
import { until } from './wait.js';

/** Starts nats-server on free loopback ports; fails (never skips) naming the fix when it cannot. */
export async function startNats(): Promise<{ url: string; pid: number; stop: () => void }> {
  if (spawnSync('nats-server', ['--version']).status !== 0) {
    throw new Error('nats-server is not installed: bash scripts/setup.sh installs it (Debian package nats-server)');
  }
  const [client, ws] = [await freePort(), await freePort()];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bfg-nats-test-'));
  const conf = path.join(dir, 'nats.conf');
  writeFileSync(conf, `listen: "127.0.0.1:${client}"\nwebsocket {\n  listen: "127.0.0.1:${ws}"\n  no_tls: true\n}\n`);
  const proc = spawn('nats-server', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  await until(() => /Server is ready/.test(err) || proc.exitCode !== null, 10_000, 'nats-server to start');
  if (proc.exitCode !== null) throw new Error(`nats-server exited ${proc.exitCode}: ${err}`);
  return { url: `ws://127.0.0.1:${ws}`, pid: proc.pid!, stop: () => { proc.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); } };
}
