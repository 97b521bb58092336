/** A private redis-server for a test, through scripts/redis.sh (never a Redis that happens to run). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestRedis {
  port: number; url: string; dir: string;
  start(): void; stop(): void;
  /** SIGKILL, as a crash would */
  kill(): void;
}

/**
 * Starts redis-server on a free port with a fresh data directory, persistent (append-only file fsynced
 * before each reply) unless `ephemeral` or `everysec`; fails (never skips) when it cannot, naming the fix.
 */
export async function startRedis(o: { ephemeral?: boolean; everysec?: boolean } = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bfg-redis-test-'));
  const run = (cmd: string) => execFileSync('bash', ['scripts/redis.sh', cmd, String(port), ...(cmd === 'start' && o.ephemeral ? ['--ephemeral'] : cmd === 'start' && o.everysec ? ['--everysec'] : [])],
    { stdio: 'pipe', env: { ...process.env, BFG_REDIS_DIR: dir } });
  const r: TestRedis = {
    port, url: `redis://127.0.0.1:${port}`, dir,
    start: () => void run('start'),
    stop: () => { run('stop'); },
    kill: () => void run('kill'),
  };
  try {
    r.start();
  } catch (err) {
    throw new Error(`could not start redis-server for the test (run scripts/setup.sh to install it): ${(err as { stderr?: Buffer }).stderr ?? err}`);
  }
  process.once('exit', () => { try { run('stop'); rmSync(dir, { recursive: true, force: true }); } catch { /* gone already */ } });
  return r;
}
