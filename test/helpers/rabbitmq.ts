/** A private RabbitMQ node for a test, through scripts/rabbitmq.sh (never the machine's own node). */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './redis.js';

/** four free ports in a row (AMQP, distribution, Web-STOMP, Web-MQTT) */
async function freeRun(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const p = await freePort();
    if (p > 65532) continue;
    const next = await Promise.all([1, 2, 3].map(() => freePort()));
    if (!next.includes(p)) return p; // a cheap check; scripts/rabbitmq.sh refuses a port that answers
  }
  throw new Error('no free run of four ports');
}

/** Starts a node; fails (never skips) naming the fix when it cannot. */
export async function startRabbit(): Promise<{ amqp: string; stomp: string; mqtt: string; pid: number; closeConnections: () => Promise<void>; stopNode: () => Promise<void>; startNode: () => Promise<void>; stop: () => void }> {
  const port = await freeRun();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bfg-rabbitmq-test-'));
  const env = { ...process.env, BFG_RABBITMQ_DIR: dir };
  execFileSync('bash', ['scripts/rabbitmq.sh', 'start', String(port)], { stdio: 'pipe', env, timeout: 120_000 });
  return {
    // the Erlang VM's pid, which the node writes when it boots
    pid: Number(readFileSync(path.join(dir, 'rabbitmq.pid'), 'utf8').trim()),
    amqp: `amqp://127.0.0.1:${port}`, stomp: `ws://127.0.0.1:${port + 2}`, mqtt: `ws://127.0.0.1:${port + 3}`,
    /** a fault: the node closes every client connection (rabbitmqctl close_all_connections) */
    closeConnections: async () => {
      const asRabbit = process.getuid?.() === 0 ? ['runuser', '-u', 'rabbitmq', '--'] : [];
      const node = `bfg${port}@localhost`;
      await promisify(execFile)(asRabbit[0] ?? 'env', [...asRabbit.slice(1), ...(asRabbit.length ? ['env'] : []), 'HOME=/var/lib/rabbitmq', `RABBITMQ_NODENAME=${node}`,
        'rabbitmqctl', '-n', node, 'close_all_connections', 'test fault'], { timeout: 60_000 });
    },
    /** a fault: the node stops (its data kept), and comes back on the same ports with startNode */
    stopNode: async () => { await promisify(execFile)('bash', ['scripts/rabbitmq.sh', 'stop', String(port)], { env, timeout: 60_000 }); },
    startNode: async () => { await promisify(execFile)('bash', ['scripts/rabbitmq.sh', 'start', String(port)], { env, timeout: 120_000 }); },
    stop: () => {
      execFileSync('bash', ['scripts/rabbitmq.sh', 'stop', String(port)], { stdio: 'pipe', env });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
