/** A real Kafka broker for a test, through scripts/kafka.sh (or KAFKA_BROKERS when set). */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

export interface TestKafka { brokers: string; start(): void; stop(): void; external: boolean }

async function freePortPair(): Promise<number> {
  for (;;) {
    const p = 20000 + Math.floor(Math.random() * 20000);
    const ok = await Promise.all([p, p + 1].map((q) => new Promise<boolean>((r) => {
      const s = net.createServer().once('error', () => r(false)).listen(q, '127.0.0.1', () => s.close(() => r(true)));
    })));
    if (ok.every(Boolean)) return p;
  }
}

/**
 * Why Kafka tests cannot run here, or undefined when they can. In CI (CI=true) there is never a
 * reason: a missing broker fails the suite instead of skipping it.
 */
export function kafkaSkipReason(): string | undefined {
  if (process.env.CI === 'true' || process.env.KAFKA_BROKERS) return undefined;
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
  } catch {
    return 'no java on this machine (the broker is Kafka on the JVM): install JDK 17 and Maven, or set KAFKA_BROKERS';
  }
  return undefined;
}

/** Starts a private broker (fetching its jars on first use); fails with the broker's log path when it cannot. */
export async function startKafka(): Promise<TestKafka> {
  if (process.env.KAFKA_BROKERS) return { brokers: process.env.KAFKA_BROKERS, start() {}, stop() {}, external: true };
  const port = await freePortPair();
  const run = (cmd: string, ...extra: string[]) => execFileSync('bash', ['scripts/kafka.sh', cmd, String(port), ...extra], { stdio: 'pipe', timeout: 180_000 });
  const k: TestKafka = { brokers: `127.0.0.1:${port}`, start: () => void run('start'), stop: () => void run('stop'), external: false };
  try {
    k.start();
  } catch (err) {
    const log = `/tmp/bfg-kafka-${port}/kafka.log`;
    throw new Error(`could not start Kafka with scripts/kafka.sh: ${(err as { stderr?: Buffer }).stderr ?? err}${existsSync(log) ? ` (see ${log})` : ''}`);
  }
  return k;
}
