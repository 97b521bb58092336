/**
 * npm run bench:overload — graceful degradation, measured: scenarios/overload-typing.yaml (one gateway
 * node and its Redis bus on the gateway's CPU, flooded with typing at 300 times the message rate) run
 * with shedding on (the default) and with --no-shed, alternating, ROUNDS times each. It prints message
 * latency p99 with shedding beside the same run without it, as a ratio, with what was shed and lost.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { runLoad } from '../loadgen/run/coordinator.js';
import { pinProcess, splitCpus } from '../loadgen/run/placement.js';
import { loadScenario } from '../loadgen/scenario/scenario.js';
import type { RunResult } from '../loadgen/result.js';
import { startRedis } from '../test/helpers/redis.js';
import { BenchRecord } from './record.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SLO_MS = 250;
const redis = await startRedis({ ephemeral: true });
// the bus is part of the node under test: Redis runs on the gateway's CPU, the generator alone on the rest
const split = splitCpus(os.cpus().length);
const pid = Number(/process_id:(\d+)/.exec(execFileSync('redis-cli', ['-p', String(redis.port), 'info', 'server'], { encoding: 'utf8' }))?.[1]);
const redisPinned = !!split && pid > 0 && pinProcess(pid, split.gateway);
const base = ['--typing-interval-ms', '0', '--ephemeral-rate', '100', '--ack-without-persistence'];
const run = (shed: boolean) => runLoad({
  scenario: loadScenario('scenarios/overload-typing.yaml', [`serve.args=${JSON.stringify(shed ? base : [...base, '--no-shed'])}`]),
  serve: true, redis: redis.url, progress: false, log: () => {},
});
const runs: Record<'on' | 'off', RunResult[]> = { on: [], off: [] };
try {
  for (let i = 0; i < ROUNDS; i++) {
    runs.on.push(await run(true));
    runs.off.push(await run(false));
  }
} finally {
  redis.stop();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p99 = (k: 'on' | 'off') => median(runs[k].map((r) => r.latency.every.p99_ms));
const sum = (k: 'on' | 'off', f: (r: RunResult) => number) => runs[k].reduce((a, r) => a + f(r), 0);
const rec = new BenchRecord('overload');
const method = `scenarios/overload-typing.yaml: 2000 users in rooms of 5, 2 msgs/min and 600 typing/min each, one gateway node with --bus redis (Redis on the gateway's CPU${redisPinned ? '' : ': could not pin'}), --typing-interval-ms 0; median of ${ROUNDS} runs each, alternating`;
rec.add({ name: 'message latency p99 under a typing flood, shedding on', value: p99('on'), unit: 'ms', method, better: 'lower', baseline: { name: 'the same run with --no-shed', value: p99('off') }, target: `< ${SLO_MS} ms (the scenario's SLO)`, met: p99('on') < SLO_MS });
rec.add({ name: 'message latency p99 under a typing flood, --no-shed', value: p99('off'), unit: 'ms', method: 'as above', better: 'lower', target: `breaks the SLO (${SLO_MS} ms): the flood is an overload`, met: p99('off') >= SLO_MS });
rec.add({ name: 'messages lost, shedding on', value: sum('on', (r) => r.ledger.lost), unit: 'messages', method: `all ${ROUNDS} runs`, better: 'lower', target: '0', met: sum('on', (r) => r.ledger.lost) === 0 });
rec.add({ name: 'typing events delivered per run, shedding on', value: median(runs.on.map((r) => r.ephemeral?.received.typing ?? 0)), unit: 'events', method: 'median; the rest were shed', better: 'higher', baseline: { name: '--no-shed', value: median(runs.off.map((r) => r.ephemeral?.received.typing ?? 0)) } });
rec.add({ name: 'shed notices per run, shedding on', value: median(runs.on.map((r) => r.ephemeral?.shed_notices ?? 0)), unit: 'notices', method: 'median; the gateway tells each connection at most once a second', better: 'higher' });
for (const k of ['on', 'off'] as const) {
  rec.note(`shedding ${k}: p99 of each run ${runs[k].map((r) => r.latency.every.p99_ms.toFixed(1)).join(', ')} ms; trusted ${runs[k].filter((r) => r.trusted).length} of ${ROUNDS}${runs[k].some((r) => !r.trusted) ? ` (${runs[k].flatMap((r) => r.untrusted_reasons).join('; ')})` : ''}`);
}
console.log(`\noverload — measured on this machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}; ${method}`);
console.log(`shedding  p99 (ms)   lost  typing delivered  shed notices  trusted`);
for (const k of ['on', 'off'] as const) {
  console.log(`${k.padEnd(8)} ${p99(k).toFixed(1).padStart(9)} ${String(sum(k, (r) => r.ledger.lost)).padStart(6)} ${String(median(runs[k].map((r) => r.ephemeral?.received.typing ?? 0))).padStart(17)} ${String(median(runs[k].map((r) => r.ephemeral?.shed_notices ?? 0))).padStart(13)}  ${runs[k].filter((r) => r.trusted).length} of ${ROUNDS}`);
}
console.log(`message p99 with shedding ${(p99('on') / p99('off')).toFixed(2)}x the same run without it (SLO ${SLO_MS} ms)`);
rec.save();
