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

/** Adds timelines point by point (same second index). */
export function mergeTimelines(all: readonly TimePoint[][]): TimePoint[] {
  const by = new Map<number, TimePoint>();
  for (const tl of all) {
    for (const p of tl) {
      const q = by.get(p.t);
      if (!q) by.set(p.t, { ...p });
      else for (const k of ['connected', 'sent', 'received', 'reconnects', 'connect_errors', 'arriving'] as const) q[k] += p[k];
    }
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
