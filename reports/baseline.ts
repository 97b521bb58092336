/** Regression table: a run against a baseline run, metric by metric, with a tolerance. */
import type { RunResult } from '../loadgen/result.js';

export interface Regression { metric: string; old: number; new: number; change_pct: number; regressed: boolean }

/** metric -> true when lower is better */
const METRICS: Record<string, boolean> = {
  p50_ms: true, p99_ms: true, p999_ms: true, max_ms: true, first_p99_ms: true, last_p99_ms: true,
  lost: true, duplicated: true, reordered: true, connect_errors_pct: true, time_to_recover_s: true, delivered_pct: false,
};

/** Compares metrics; a change worse than `tolerancePct` (or any new loss) is a regression. */
export function regressions(now: RunResult, base: RunResult, tolerancePct: number): Regression[] {
  const rows: Regression[] = [];
  const add = (metric: string, o: number | undefined, n: number | undefined, lowerBetter: boolean) => {
    if (o === undefined || n === undefined || !Number.isFinite(o) || !Number.isFinite(n)) return;
    const change = o === 0 ? (n === 0 ? 0 : Infinity) : ((n - o) / Math.abs(o)) * 100;
    const worse = lowerBetter ? n > o : n < o;
    rows.push({ metric, old: o, new: n, change_pct: Math.round(change * 10) / 10, regressed: worse && Math.abs(change) > tolerancePct });
  };
  for (const [m, lower] of Object.entries(METRICS)) add(m, base.metrics[m], now.metrics[m], lower);
  add('gateway_rss_per_connection_bytes', base.server?.rss_per_connection_bytes, now.server?.rss_per_connection_bytes, true);
  return rows;
}
