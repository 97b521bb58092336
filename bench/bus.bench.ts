/**
 * npm run bench:bus — the same room-fanout scenario through the memory, Redis, Kafka and RabbitMQ buses, in
 * one run: delivery latency p50/p99 at a fixed rate, and the highest offered rate that was sustained
 * (every message delivered, no send error, p99 under 250 ms), as a table.
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
const base: Record<string, number> = {};
try {
  for (const [name, args] of buses) {
    let sustained = 0, p50 = NaN, p99 = NaN;
    for (const rate of RATES) {
      const s = loadScenario('scenarios/room-fanout.yaml', [
        'users=200', 'rooms.size=50', `messages.rate_per_room=${rate / 4}`, 'duration_s=6', 'thresholds=[]',
        `serve.args=${JSON.stringify([...args, '--history', '100000', '--msg-rate', '10000', '--msg-burst', '10000'])}`,
      ]);
      const r = await runLoad({ scenario: s, serve: true, progress: false, log: () => {} });
      const ok = r.ledger.lost === 0 && r.stats.send_errors === 0 && r.metrics.delivered_pct === 100 && r.latency.every.p99_ms < 250 && r.trusted;
      if (rate === RATES[0]) { p50 = r.latency.every.p50_ms; p99 = r.latency.every.p99_ms; }
      if (!ok) break;
      sustained = rate;
    }
    if (name === 'memory') Object.assign(base, { p50, p99, sustained });
    const vs = name === 'memory' ? undefined : 'memory bus';
    rec.add({ name: `${name} bus: delivery latency p50 at ${RATES[0]} msgs/s`, value: p50, unit: 'ms', method: 'room-fanout, 200 users in rooms of 50, one gateway node', better: 'lower', ...(vs ? { baseline: { name: vs, value: base.p50 } } : {}) });
    rec.add({ name: `${name} bus: delivery latency p99 at ${RATES[0]} msgs/s`, value: p99, unit: 'ms', method: 'as above', better: 'lower', ...(vs ? { baseline: { name: vs, value: base.p99 } } : {}) });
    rec.add({ name: `${name} bus: highest sustained rate`, value: sustained || null, unit: 'msgs/s', method: `highest of ${RATES.join(', ')} msgs/s with nothing lost and p99 < 250 ms (x49 deliveries)`, better: 'higher', ...(vs ? { baseline: { name: vs, value: base.sustained || null } } : {}) });
    rows.push(`${name.padEnd(8)} ${p50.toFixed(2).padStart(9)} ${p99.toFixed(2).padStart(9)} ${String(sustained || `< ${RATES[0]}`).padStart(12)} msgs/s (x49 deliveries)`);
  }
} finally {
  kafka.stop();
  rabbit.stop();
  redis.stop();
}
console.log(`\nbus comparison — measured on this machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}; room-fanout: 200 users in rooms of 50, one gateway node`);
console.log(`bus        p50 (ms)  p99 (ms)   sustained    (latency at ${RATES[0]} msgs/s; sustained = highest of ${RATES.join(', ')} msgs/s with nothing lost and p99 < 250 ms)`);
for (const r of rows) console.log(r);
rec.save();
