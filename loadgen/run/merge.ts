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
    for (const [k, v] of Object.entries(s.closes)) out.closes[k] = (out.closes[k] ?? 0) + v;
    for (const [k, v] of Object.entries(s.errors)) out.errors[k] = (out.errors[k] ?? 0) + v;
  }
  return out;
}

/** Adds timelines point by point (same second index); merges each second's latency histograms exactly. */
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
      } else for (const k of ['connected', 'sent', 'received', 'reconnects', 'connect_errors', 'arriving'] as const) q[k] += p[k];
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
    },
    stats: mergeStats(results.map((r) => r.stats)),
    timeline: mergeTimelines(results.map((r) => r.timeline)),
  };
}

/** Seconds from the storm until connections are back to 99% of what they were just before it. */
export function timeToRecover(timeline: readonly TimePoint[], atS: number): number | null {
  const before = [...timeline].reverse().find((p) => p.t <= atS);
  if (!before || before.connected === 0) return null;
  const back = timeline.find((p) => p.t > atS && p.connected >= 0.99 * before.connected);
  return back ? back.t - atS : null;
}
