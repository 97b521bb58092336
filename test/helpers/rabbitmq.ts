/** A private RabbitMQ node for a test, through scripts/rabbitmq.sh (never the machine's own node). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
export async function startRabbit(): Promise<{ amqp: string; stomp: string; mqtt: string; stop: () => void }> {
  const port = await freeRun();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bfg-rabbitmq-test-'));
  const env = { ...process.env, BFG_RABBITMQ_DIR: dir };
  execFileSync('bash', ['scripts/rabbitmq.sh', 'start', String(port)], { stdio: 'pipe', env, timeout: 120_000 });
  return {
    amqp: `amqp://127.0.0.1:${port}`, stomp: `ws://127.0.0.1:${port + 2}`, mqtt: `ws://127.0.0.1:${port + 3}`,
    stop: () => {
      execFileSync('bash', ['scripts/rabbitmq.sh', 'stop', String(port)], { stdio: 'pipe', env });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
