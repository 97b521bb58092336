/** A private HAProxy front for a test, through scripts/haproxy.sh. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './redis.js';

/** Starts a front before the nodes on `backends`; fails (never skips) naming the fix when it cannot. */
export async function startHaproxy(backends: number[]): Promise<{ port: number; url: string; stop: () => void }> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bfg-haproxy-test-'));
  const env = { ...process.env, BFG_HAPROXY_DIR: dir };
  execFileSync('bash', ['scripts/haproxy.sh', 'start', String(port), ...backends.map(String)], { stdio: 'pipe', env, timeout: 30_000 });
  return {
    port, url: `ws://127.0.0.1:${port}`,
    stop: () => {
      execFileSync('bash', ['scripts/haproxy.sh', 'stop', String(port)], { stdio: 'pipe', env });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
