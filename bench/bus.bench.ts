/**
 * npm run bench:bus — the same room-fanout scenario through the memory, Redis, Kafka and RabbitMQ buses, in
 * one run: delivery latency p50/p99 at a fixed rate, and the highest offered rate that was sustained
 * (every message delivered, no send error, p99 under 250 ms), as a table. Kafka and RabbitMQ are set
 * against the Redis bus (the other networked bus), the Redis bus against the memory bus.
 */
import os from 'node:os';
import { runLoad } from '../loadgen/run/coordinator.js';
import { loadScenario } from '../loadgen/scenario/scenario.js';
import { startKafka } from '../test/helpers/kafka.js';
import { startRabbit } from '../test/helpers/rabbitmq.js';
import { startRedis } from '../test/helpers/redis.js';
import { BenchRecord } from './record.js';

const RATES = [100, 200, 400, 800];
const redis = await startRedis();
const kafka = await startKafka();
const rabbit = await startRabbit();
const buses: [string, string[]][] = [
  ['memory', []],
  ['redis', ['--bus', 'redis', '--store', 'redis', '--redis', redis.url]],
  ['kafka', ['--bus', 'kafka', '--store', 'redis', '--redis', redis.url, '--kafka', kafka.brokers, '--kafka-topic', `bench-${Date.now()}`]],
  ['rabbitmq', ['--bus', 'rabbitmq', '--store', 'redis', '--redis', redis.url, '--amqp', rabbit.amqp]],
];
const rows: string[] = [];
const rec = new BenchRecord('bus');
const ROUNDS = 3;
const scenario = (args: string[], rate: number) => loadScenario('scenarios/room-fanout.yaml', [
  'users=200', 'rooms.size=50', `messages.rate_per_room=${rate / 4}`, 'duration_s=6', 'thresholds=[]',
  `serve.args=${JSON.stringify([...args, '--history', '100000', '--msg-rate', '10000', '--msg-burst', '10000'])}`,
]);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  // latency at the first rate: every bus warmed by one unmeasured run (a JVM broker compiles its hot
  // paths in its first seconds; production brokers are warm), then ROUNDS rounds alternating the buses
  const lat: Record<string, { p50: number[]; p99: number[] }> = {};
  for (const [, args] of buses) await runLoad({ scenario: scenario(args, RATES[0]), serve: true, progress: false, log: () => {} });
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, args] of buses) {
      const r = await runLoad({ scenario: scenario(args, RATES[0]), serve: true, progress: false, log: () => {} });
      const l = (lat[name] ??= { p50: [], p99: [] });
      l.p50.push(r.latency.every.p50_ms);
      l.p99.push(r.latency.every.p99_ms);
    }
  }
  const base: Record<string, number> = {};
  for (const [name, args] of buses) {
    let sustained = 0;
    for (const rate of RATES) {
      const r = await runLoad({ scenario: scenario(args, rate), serve: true, progress: false, log: () => {} });
      const ok = r.ledger.lost === 0 && r.stats.send_errors === 0 && r.metrics.delivered_pct === 100 && r.latency.every.p99_ms < 250 && r.trusted;
      if (!ok) break;
      sustained = rate;
    }
    const p50 = median(lat[name].p50), p99 = median(lat[name].p99);
    if (name === 'memory') Object.assign(base, { p50, p99, sustained });
    if (name === 'redis') Object.assign(base, { redisP99: p99 });
    const vs = name === 'memory' ? undefined : name === 'kafka' || name === 'rabbitmq' ? 'redis bus' : 'memory bus';
    const baseP50 = vs === 'redis bus' ? median(lat.redis.p50) : base.p50, baseP99 = vs === 'redis bus' ? base.redisP99 : base.p99;
    const method = `room-fanout, 200 users in rooms of 50, one gateway node; median of ${ROUNDS} runs alternating the buses, each bus warmed by one unmeasured run`;
    rec.add({ name: `${name} bus: delivery latency p50 at ${RATES[0]} msgs/s`, value: p50, unit: 'ms', method, better: 'lower', ...(vs ? { baseline: { name: vs, value: baseP50 } } : {}) });
    rec.add({ name: `${name} bus: delivery latency p99 at ${RATES[0]} msgs/s`, value: p99, unit: 'ms', method: 'as above', better: 'lower', ...(vs ? { baseline: { name: vs, value: baseP99 } } : {}) });
    rec.add({ name: `${name} bus: highest sustained rate`, value: sustained || null, unit: 'msgs/s', method: `highest of ${RATES.join(', ')} msgs/s with nothing lost and p99 < 250 ms (x49 deliveries), one run each`, better: 'higher', ...(name !== 'memory' ? { baseline: { name: 'memory bus', value: base.sustained || null } } : {}) });
    const ratio = name === 'memory' ? '' : `  p99 ${(p99 / (vs === 'redis bus' ? base.redisP99 : base.p99)).toFixed(2)}x ${vs}`;
    rows.push(`${name.padEnd(8)} ${p50.toFixed(2).padStart(9)} ${p99.toFixed(2).padStart(9)} ${String(sustained || `< ${RATES[0]}`).padStart(12)} msgs/s${ratio}   (p99 of each run: ${lat[name].p99.map((x) => x.toFixed(1)).join(', ')})`);
  }
} finally {
  kafka.stop();
  rabbit.stop();
  redis.stop();
}
console.log(`\nbus comparison — measured on this machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}; room-fanout: 200 users in rooms of 50, one gateway node`);
console.log(`bus        p50 (ms)  p99 (ms)   sustained    (latency at ${RATES[0]} msgs/s, median of ${ROUNDS} runs after a warm-up run each; sustained = highest of ${RATES.join(', ')} msgs/s with nothing lost and p99 < 250 ms)`);
for (const r of rows) console.log(r);
rec.save();
