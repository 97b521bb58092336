/**
 * npm run bench:simulate — times both storm engines on their stated sizes (aggregate: 10,000,000
 * clients; events: 1,000,000 clients) and prints how far their times to recover are apart.
 */
import os from 'node:os';
import { aggregateStorm, eventsStorm, STORM_DEFAULTS, POLICIES } from '../calculators/storm/index.js';

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
  console.log(`${policy.padEnd(22)} ${(aggMs / 1000).toFixed(3).padStart(7)} s (target < 1 s)   ${(evMs / 1000).toFixed(3).padStart(7)} s (target < 10 s)   ${gap}; 10M peak ${Math.round(big.summary.peakArrivalsPerSec)}/s`);
}
