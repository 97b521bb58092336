/**
 * npm run bench:simulate — times both storm engines on their stated sizes (aggregate: 10,000,000
 * clients; events: 1,000,000 clients) and prints how far their times to recover are apart.
 */
import os from 'node:os';
import { aggregateStorm, eventsStorm, STORM_DEFAULTS, POLICIES } from '../calculators/storm/index.js';
import { BenchRecord } from './record.js';

const rec = new BenchRecord('simulate');

console.log(`storm engines — measured on this machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version} (the storms themselves are modeled)`);
console.log('policy                 aggregate 10M clients       events 1M clients           events 1M vs aggregate 1M (time to 99%)');
for (const policy of POLICIES) {
  const input = { ...STORM_DEFAULTS, servers: 20, kill: 4, policy, acceptRatePerServer: 5000, horizonS: 300 };
  let t = performance.now();
  const big = aggregateStorm({ ...input, clients: 10_000_000 });
  const aggMs = performance.now() - t;
  t = performance.now();
  const ev = eventsStorm({ ...input, clients: 1_000_000 });
  const evMs = performance.now() - t;
  const agg1 = aggregateStorm({ ...input, clients: 1_000_000 });
  const a = agg1.summary.timeTo99S, e = ev.summary.timeTo99S;
  const gap = a !== null && e !== null ? `${a} s vs ${e} s (${((100 * Math.abs(a - e)) / e).toFixed(2)}%)` : `${a} vs ${e} (not recovered within ${input.horizonS} s)`;
  rec.add({ name: `${policy}: aggregate engine, 10M clients`, value: aggMs / 1000, unit: 's', method: 'wall time of one simulation (the storm is modeled)', target: '< 1 s', met: aggMs < 1000 });
  rec.add({ name: `${policy}: events engine, 1M clients`, value: evMs / 1000, unit: 's', method: 'wall time of one simulation (the storm is modeled)', target: '< 10 s', met: evMs < 10_000 });
  if (a !== null && e !== null) rec.add({ name: `${policy}: time to 99% recovered, events vs aggregate (1M)`, value: e, unit: 's', method: 'the two engines on the same storm (modeled)', baseline: { name: 'aggregate engine', value: a }, target: 'within 3%', met: Math.abs(a - e) / e <= 0.03 });
  console.log(`${policy.padEnd(22)} ${(aggMs / 1000).toFixed(3).padStart(7)} s (target < 1 s)   ${(evMs / 1000).toFixed(3).padStart(7)} s (target < 10 s)   ${gap}; 10M peak ${Math.round(big.summary.peakArrivalsPerSec)}/s`);
}
rec.save();
