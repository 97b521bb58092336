/** A real Cassandra for a test, through scripts/cassandra.sh: never skipped, it fails naming the fix when it cannot start. */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { promisify } from 'node:util';

export interface TestCassandra { url: string; port: number; start(): Promise<void>; stop(): Promise<void>; close(): void }

/** three free ports in a row: CQL, storage, JMX */
async function freeRun(): Promise<number> {
  for (;;) {
    const p = 20000 + Math.floor(Math.random() * 20000);
    const ok = await Promise.all([p, p + 1, p + 2].map((q) => new Promise<boolean>((r) => {
      const s = net.createServer().once('error', () => r(false)).listen(q, '127.0.0.1', () => s.close(() => r(true)));
    })));
    if (ok.every(Boolean)) return p;
  }
}

/** Starts a private single-node Cassandra (fetching its jars on first use); `stop`/`start` are faults, `close` ends it and wipes its data. */
export async function startCassandra(): Promise<TestCassandra> {
  const port = await freeRun();
  const run = (cmd: string) => promisify(execFile)('bash', ['scripts/cassandra.sh', cmd, String(port)], { timeout: 240_000 }).then(() => {});
  try {
    await run('start');
  } catch (err) {
    const log = `/tmp/bfg-cassandra-${port}/system.log`;
    throw new Error(`could not start Cassandra with scripts/cassandra.sh: ${(err as { stderr?: string }).stderr ?? err}${existsSync(log) ? ` (see ${log})` : ''}`);
  }
  return {
    url: `cassandra://127.0.0.1:${port}`, port,
    start: () => run('start'), stop: () => run('stop'),
    close: () => void execFileSync('bash', ['scripts/cassandra.sh', 'stop', String(port), '--wipe'], { stdio: 'pipe' }),
  };
}
