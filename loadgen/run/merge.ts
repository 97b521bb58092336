/** Exact merging of agent results: counters add, histograms add, timelines add per second. */
import type { AgentResult, AgentStats, TimePoint } from '../agent/result.js';
import { emptyStats } from '../agent/result.js';
import { mergeHists, percentiles } from '../measure/histogram.js';
import { mergeCounts } from '../measure/ledger.js';

/** Adds agent stats. */
export function mergeStats(all: readonly AgentStats[]): AgentStats {
  const out = emptyStats();
  for (const s of all) {
    for (const k of ['sent', 'acked', 'send_errors', 'connects', 'connect_errors', 'reconnects', 'slow_closed', 'peak_connections'] as const) out[k] += s[k];
    for (const k of ['recovered_sessions', 'unrecovered_sessions', 'handshake_failed', 'echoes'] as const) if (s[k] !== undefined) out[k] = (out[k] ?? 0) + s[k]!;
    for (const [k, v] of Object.entries(s.closes)) out.closes[k] = (out.closes[k] ?? 0) + v;
    for (const [k, v] of Object.entries(s.errors)) out.errors[k] = (out.errors[k] ?? 0) + v;
    for (const [k, v] of Object.entries(s.close_reasons ?? {})) (out.close_reasons ??= {})[k] ??= v;
    for (const k of ['ephemeral_sent', 'ephemeral_received'] as const) {
      const v = s[k];
      if (!v) continue;
      const o = (out[k] ??= { typing: 0, read: 0 });
      o.typing += v.typing;
      o.read += v.read;
    }
  }
  return out;
}

/** Adds timelines bucket by bucket (same start t); merges each bucket's latency histograms exactly. */
export function mergeTimelines(all: readonly TimePoint[][]): TimePoint[] {
  const by = new Map<number, TimePoint>();
  const lats = new Map<number, string[]>();
  for (const tl of all) {
    for (const p of tl) {
      if (p.lat) (lats.get(p.t) ?? lats.set(p.t, []).get(p.t)!).push(p.lat);
      const q = by.get(p.t);
      if (!q) {
        const { lat: _drop, ...rest } = p;
        by.set(p.t, rest);
      } else for (const k of ['connected', 'sent', 'received', 'reconnects', 'connect_errors', 'arriving', 'rejected'] as const) q[k] = (q[k] ?? 0) + (p[k] ?? 0);
    }
  }
  for (const [t, enc] of lats) {
    const pc = percentiles(mergeHists(enc));
    Object.assign(by.get(t)!, { p50_ms: pc.p50_ms, p99_ms: pc.p99_ms, p999_ms: pc.p999_ms });
  }
  return [...by.values()].sort((a, b) => a.t - b.t);
}

/** Merges agent results into ledger, latency percentiles and stats. */
export function mergeAgents(results: readonly AgentResult[]) {
  return {
    ledger: mergeCounts(results.map((r) => r.counts)),
    latency: {
      every: percentiles(mergeHists(results.map((r) => r.hists.every))),
      first: percentiles(mergeHists(results.map((r) => r.hists.first))),
      last: percentiles(mergeHists(results.map((r) => r.hists.last))),
      intended: percentiles(mergeHists(results.map((r) => r.hists.intended ?? ''))),
    },
    generator: {
      send_lag: percentiles(mergeHists(results.map((r) => r.hists.lag ?? ''))),
      receive_processing: percentiles(mergeHists(results.map((r) => r.hists.proc ?? ''))),
    },
    handshake: percentiles(mergeHists(results.map((r) => r.hists.hs ?? ''))),
    ephemeral: {
      typing: percentiles(mergeHists(results.map((r) => r.hists.typing ?? ''))),
      read: percentiles(mergeHists(results.map((r) => r.hists.read ?? ''))),
    },
    stats: mergeStats(results.map((r) => r.stats)),
    timeline: mergeTimelines(results.map((r) => r.timeline)),
  };
}

/**
 * Milliseconds from the storm to the first bucket after it where connections are back to 99% of their
 * level just before it and (when messages flow) the delivery rate over the trailing three buckets, all
 * after the storm, is back to 90% of the second before it. Null when that never happens.
 */
export function timeToRecoverMs(timeline: readonly TimePoint[], atS: number): number | null {
  const idx = timeline.findIndex((p) => p.t > atS);
  if (idx <= 0) return null;
  const before = timeline[idx - 1];
  if (before.connected === 0) return null;
  const bucketS = idx >= 2 ? timeline[idx - 1].t - timeline[idx - 2].t : 0.1;
  const windowS = 3 * bucketS;
  const rate = (i: number, w: number) => {
    const from = timeline.findIndex((p) => p.t >= timeline[i].t - w - 1e-9);
    const dt = timeline[i].t - timeline[from].t;
    return dt > 0 ? (timeline[i].received - timeline[from].received) / dt : NaN;
  };
  const baseRate = rate(idx - 1, 1);
  for (let i = idx; i < timeline.length; i++) {
    const p = timeline[i];
    if (p.connected < 0.99 * before.connected) continue;
    // the trailing window must lie wholly after the storm, or its rate still holds pre-storm deliveries
    if (Number.isFinite(baseRate) && baseRate > 0 && (p.t - windowS < atS - 1e-9 || rate(i, windowS) < 0.9 * baseRate)) continue;
    return Math.round((p.t - atS) * 1000);
  }
  return null;
}
