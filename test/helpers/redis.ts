/** A private redis-server for a test, through scripts/redis.sh (never a Redis that happens to run). */
import { execFileSync } from 'node:child_process';
import net from 'node:net';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestRedis { port: number; url: string; start(): void; stop(): void }

/** Starts redis-server on a free port; fails (never skips) when it cannot, naming the fix. */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const run = (cmd: string) => execFileSync('bash', ['scripts/redis.sh', cmd, String(port)], { stdio: 'pipe' });
  const r: TestRedis = { port, url: `redis://127.0.0.1:${port}`, start: () => void run('start'), stop: () => void run('stop') };
  try {
    r.start();
  } catch (err) {
    throw new Error(`could not start redis-server for the test (run scripts/setup.sh to install it): ${(err as { stderr?: Buffer }).stderr ?? err}`);
  }
  return r;
}
