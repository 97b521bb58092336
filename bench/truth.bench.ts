/**
 * npm run bench:truth — reported vs true latency: a gateway that holds every delivery D ms (20 by
 * default; BENCH_DELAY_MS) from the moment fan-out receives it, loaded by `bfg load` at three rates
 * (50, 500 and 1,000 msgs/s). The true latency is D plus loopback plus the test gateway's own timer
 * overshoot (Node timers fire up to ~1 ms late, most at low rates); the reported one should sit there.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { RunResult } from '../loadgen/result.js';
import { BFG } from '../test/helpers/cli.js';
import { startGateway } from '../test/helpers/gateway.js';
import { percentiles } from '../loadgen/measure/histogram.js';
import { holdDeliveries } from '../test/helpers/delay.js';
import { BenchRecord } from './record.js';

const rec = new BenchRecord('truth');

const D = Number(process.env.BENCH_DELAY_MS ?? 20);
console.log(`reported vs true latency — measured on ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}; gateway holds every delivery ${D} ms`);
for (const [users, rate] of [[20, 5], [100, 10], [200, 10]]) {
  const g = await startGateway({ msgRate: 1000, msgBurst: 1000 });
  const stop = holdDeliveries(g.gw, D);
  const p = spawn(process.execPath, [BFG, 'load', 'scenarios/room-fanout.yaml', '--target', g.url, '--set', `users=${users}`, '--set', 'arrival_rate=1000',
    '--set', 'rooms.size=2', '--set', `messages.rate_per_room=${rate}`, '--set', 'duration_s=5', '--set', 'send_after_s=1', '--set', 'thresholds=[]',
    '--no-progress', '--out', '/tmp/bfg-truth.json'], { stdio: 'ignore' });
  await new Promise((r) => p.on('exit', r));
  stop();
  await g.gw.close();
  const r = JSON.parse(readFileSync('/tmp/bfg-truth.json', 'utf8')) as RunResult;
  const L = r.latency, gen = r.generator!;
  const rateNow = (users / 2) * rate, truth = percentiles(stop.held).p50_ms;
  rec.add({ name: `reported latency p50 at ${rateNow} msgs/s`, value: L.every.p50_ms, unit: 'ms', method: `bfg load against a gateway that holds every delivery ${D} ms; baseline: the hold the gateway really applied (p50)`, baseline: { name: 'true delay', value: truth }, better: 'lower' });
  rec.add({ name: `generator send lag p99 at ${rateNow} msgs/s`, value: gen.send_lag.p99_ms, unit: 'ms', method: `the generator's own error bar over ${gen.send_lag.count} sends${r.trusted ? '' : ' (run UNTRUSTED)'}` });
  console.log(`  ${String((users / 2) * rate).padStart(5)} msgs/s: reported p50 ${L.every.p50_ms} ms (true: held p50 ${percentiles(stop.held).p50_ms.toFixed(3)} ms), p99 ${L.every.p99_ms} ms; from intended p50 ${L.intended?.p50_ms} ms; `
    + `send lag p50 ${gen.send_lag.p50_ms} ms, p99 ${gen.send_lag.p99_ms} ms over ${gen.send_lag.count} sends; ${r.trusted ? 'trusted' : `UNTRUSTED: ${r.untrusted_reasons.join('; ')}`}`);
}
rec.save();
process.exit(0);
