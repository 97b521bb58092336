/**
 * npm run bench:failover — a 3-node Redis fleet holding BENCH_CLIENTS (30,000) clients under light
 * room traffic; one node is killed; its clients reconnect to the survivors. Run once with full
 * jitter and once without jitter (exponential), and print time to recover and reconnects per second.
 */
import os from 'node:os';
import { runLoad } from '../loadgen/run/coordinator.js';
import { loadScenario } from '../loadgen/scenario/scenario.js';
import { startRedis } from '../test/helpers/redis.js';
import { BenchRecord } from './record.js';

const rec = new BenchRecord('failover');
const recovered: Record<string, number | null> = {};

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 30_000);
const RATE = 3000;
const ramp = CLIENTS / RATE;
const redis = await startRedis();
const rows: string[] = [];
try {
  for (const policy of ['full-jitter', 'exponential']) {
    const s = loadScenario('scenarios/failover.yaml', [
      `users=${CLIENTS}`, `arrival_rate=${RATE}`, `send_after_s=${ramp + 1}`, `duration_s=${ramp + 14}`, `storm.at_s=${ramp + 4}`,
      'messages.rate_per_room=0.2', 'rooms.size=50', `reconnect.policy=${policy}`, 'reconnect.base_ms=250', 'reconnect.cap_ms=4000',
      'thresholds=["lost == 0"]', 'serve.args=["--history","10000","--accept-rate","5000","--accept-burst","500"]',
    ]);
    const r = await runLoad({ scenario: s, serve: true, redis: redis.url, progress: !!process.env.BENCH_PROGRESS, log: () => {} });
    const tl = r.timeline;
    const perSec = tl.map((p, i) => p.reconnects - (i ? tl[i - 1].reconnects : 0));
    recovered[policy] = r.storm?.time_to_recover_ms ?? null;
    rec.add({ name: `${policy}: time to recover`, value: recovered[policy], unit: 'ms', method: `${CLIENTS} clients on 3 nodes (Redis), node 1 killed; first 100 ms bucket back to 99% connections and 90% delivery rate`, better: 'lower', ...(policy === 'full-jitter' ? {} : { baseline: { name: 'full-jitter', value: recovered['full-jitter'] } }) });
    rec.add({ name: `${policy}: peak reconnects`, value: Math.max(...perSec), unit: `per ${s.timeline_ms} ms bucket`, method: 'from the run\'s timeline' });
    rec.add({ name: `${policy}: lost`, value: r.ledger.lost, unit: 'messages', method: 'the ledger, after backfill', target: '0', met: r.ledger.lost === 0 });
    rows.push(`${policy.padEnd(12)} ${String(r.storm?.time_to_recover_ms ?? 'not recovered').padStart(8)} ms   ${String(Math.max(...perSec)).padStart(7)}/s peak   ${String(r.stats.reconnects).padStart(7)} reconnects   ${String(r.stats.connect_errors).padStart(6)} refused attempts   lost ${r.ledger.lost}   ${r.trusted ? 'trusted' : `UNTRUSTED: ${r.untrusted_reasons.join('; ')}`}`);
  }
} finally {
  redis.stop();
}
console.log(`\nfailover — measured on this machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}; ${CLIENTS} clients on 3 nodes (Redis bus and store), node 1 killed, accept 5000/s per node`);
console.log('policy       time to recover   reconnects/s    total          refused (1013/errors)');
for (const r of rows) console.log(r);
rec.save();
