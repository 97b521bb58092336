/** The summary table printed at the end of a run. */
import type { RunResult } from '../result.js';
import { placementLine } from './placement.js';
import { untrustedAdvice } from './advice.js';
import { closeCauses, connectCauses } from './failures.js';

const pad = (s: string | number, n: number) => String(s).padEnd(n);

/** which adapter spoke to the gateway, and what its ledger checks */
function protocolLine(r: RunResult): string {
  const p = r.scenario.protocol ?? 'bfg';
  if (p === 'bfg') return `  protocol bfg (${r.scenario.format}): per-room seqs checked per receiver, gaps backfilled from history`;
  const rec = p === 'socketio' && r.scenario.socketio?.recovery;
  const s = r.stats;
  const sessions = rec ? `; sessions the server recovered ${s.recovered_sessions ?? 0}, not recovered ${s.unrecovered_sessions ?? 0}` : '';
  return `  protocol ${p}: no server seq — stamp counters checked per (sender, receiver) over each joined interval${rec ? ', across recovered reconnects' : ''}${sessions}`;
}

/** The summary of a run as text. */
export function summary(r: RunResult): string {
  const m = r.machine;
  const L = r.ledger, s = r.stats;
  const lat = (name: string, p: RunResult['latency']['every']) =>
    `  ${pad(name, 18)} ${pad(p.p50_ms, 9)} ${pad(p.p90_ms, 9)} ${pad(p.p99_ms, 9)} ${pad(p.p999_ms, 9)} ${pad(p.max_ms, 9)} ${p.count}`;
  const lines = [
    `bfg load: ${r.scenario.name} against ${r.target} — measured on ${m.cpus}x ${m.cpu_model}, ${m.mem_gib} GiB, node ${m.node}, fd limit ${m.fd_limit}`,
    `  users ${r.scenario.users} on ${r.agents.length} agent(s); connects ${s.connects}, connect errors ${s.connect_errors} (${r.metrics.connect_errors_pct.toFixed(2)}%), reconnects ${s.reconnects}, peak ${s.peak_connections}`,
    ...(connectCauses(s) ? [`  connect errors by cause: ${connectCauses(s)}`] : []),
    ...(closeCauses(s) ? [`  closes by code (the server's, or the network's 1006): ${closeCauses(s)}`] : []),
    `  messages sent ${s.sent}, acked ${s.acked}, send errors ${s.send_errors}; slow-consumer closes ${s.slow_closed}`,
    ...(r.scenario.stages ? [`  stages: ${r.scenario.stages.map((g) => `${g.duration_s}s→${g.users ?? '='} users${g.rate_per_room !== undefined ? ` @${g.rate_per_room}/s` : ''}`).join(', ')}`] : []),
    protocolLine(r),
    `  delivery ledger: expected ${L.expected}, delivered ${L.delivered} (recovered on join ${L.recovered}), backfilled ${L.backfilled}, lost ${L.lost}, duplicated ${L.duplicated}, reordered ${L.reordered}`,
    `  latency (ms, measured: arrival − actual send) p50   p90       p99       p99.9     max       samples`,
    lat('every recipient', r.latency.every), lat('first recipient', r.latency.first), lat('last recipient', r.latency.last),
  ];
  if (r.latency.intended) lines.push(lat('from intended send', r.latency.intended));
  if (r.generator) {
    const g = r.generator;
    lines.push(`  generator error bar (measured): send lag p50 ${g.send_lag.p50_ms} ms, p99 ${g.send_lag.p99_ms} ms, max ${g.send_lag.max_ms} ms over ${g.send_lag.count} sends; receive processing per read p99 ${g.receive_processing.p99_ms} ms`);
  }
  if (r.ephemeral) {
    const e = r.ephemeral;
    const lat = (p: typeof e.typing) => (p.count ? `p50 ${p.p50_ms} ms, p99 ${p.p99_ms} ms over ${p.count}` : 'no latency samples (none after the warm-up)');
    lines.push(`  ephemeral events (measured, from the origin gateway's receipt): typing sent ${e.sent.typing}, received ${e.received.typing}, ${lat(e.typing)}; read receipts sent ${e.sent.read}, received ${e.received.read}, ${lat(e.read)}; shed notices from the gateway ${e.shed_notices}`);
  }
  if (r.handshake) {
    const h = r.handshake;
    lines.push(`  protocol handshake (measured, WebSocket open → session ready): p50 ${h.p50_ms} ms, p99 ${h.p99_ms} ms over ${h.count}; never finished ${h.failed}`);
  }
  if (r.storm) lines.push(`  storm at ${r.storm.at_s}s: ${r.storm.drop_pct}% by ${r.storm.method}, policy ${r.storm.policy}; time to recover ${r.storm.time_to_recover_ms === null || r.storm.time_to_recover_ms === undefined ? 'not recovered' : `${r.storm.time_to_recover_ms} ms`} (${r.scenario.timeline_ms} ms buckets)`);
  if (r.history) {
    const h = r.history, t = (name: string, l?: { pages: number; p50_ms: number; p99_ms: number }) => (l ? `, ${name} ${l.pages} pages p50 ${l.p50_ms} ms p99 ${l.p99_ms} ms` : '');
    const errs = Object.entries(h.errors).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
    lines.push(`  history phase (scroll-back, measured): ${h.scrolls} scrolls, ${h.pages} pages, ${h.messages} messages, ${h.reached_start} reached seq 1, ${h.truncated} found older history gone, gaps ${h.gaps}, repeats ${h.repeats}, errors ${errs}; page latency p50 ${h.latency_ms.all.p50_ms} ms p99 ${h.latency_ms.all.p99_ms} ms${t('hot window', h.latency_ms.hot)}${t('cold tier', h.latency_ms.cold)}${t('across both', h.latency_ms.mixed)}`);
  }
  if (r.http) {
    const h = r.http;
    lines.push(`  http phase (autocannon, measured): ${h.requests} requests to ${h.url}, ${h.rps.toFixed(0)}/s, p50 ${h.latency_ms.p50} ms, p99 ${h.latency_ms.p99} ms, non-2xx ${h.non2xx}, errors ${h.errors + h.timeouts}`);
  }
  if (r.server) {
    const per = r.server.rss_per_connection_bytes;
    lines.push(`  gateway (measured, pidusage): peak RSS ${(r.server.peak_rss_bytes / 2 ** 20).toFixed(1)} MiB${per ? `, ${(per / 1024).toFixed(2)} KiB RSS per connection` : ''}`);
    const f = r.server.front;
    if (f) lines.push(`  behind the HAProxy front (leastconn; measured, its stats socket): connections per node at the busiest second ${f.busiest.join(', ')} (busiest node ${f.max_over_mean.toFixed(2)}x the mean), peaks ${f.peak_per_node.join(', ')}`);
  }
  for (const a of r.agents) {
    if (a.name) lines.push(`  agent ${a.name}: ${a.users} users, delivered ${a.counts.delivered}, lost ${a.counts.lost}; clock offset to the coordinator ${a.clock_offset_ms?.toFixed(2)} ms ± ${a.clock_bound_ms?.toFixed(2)} ms (measured)`);
  }
  if (L.delivered > 0 && r.latency.every.count === 0) {
    lines.push(`  WARNING: ${L.delivered} messages delivered but no latency measured: the frames carried no send time the generator could read`);
  }
  const where = placementLine(r.placement);
  if (where) lines.push(where);
  for (const t of r.thresholds) lines.push(`  threshold ${t.ok ? 'ok    ' : 'BROKEN'} ${t.expr} (${t.no_samples ? 'no samples' : `actual ${t.actual}`})`);
  lines.push(r.trusted ? '  measurement trusted: the generator\'s error bar is within 10% of the latency it reports and no agent was saturated' : `  UNTRUSTED: ${r.untrusted_reasons.join('; ')} — latencies may be the agent's, not the gateway's\n  to make it trusted: ${untrustedAdvice(r).join('; ')}`);
  for (const f of r.failures ?? []) lines.push(`  FAILED: ${f}`);
  lines.push(`  result: ${r.passed ? 'PASS' : 'FAIL'}`);
  return lines.join('\n');
}
