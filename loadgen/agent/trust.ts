/**
 * Is the generator, not the gateway, what the figures show? Per agent: a saturated event loop or CPU.
 * For the run: the send lag (the generator's own error bar) against the latency it reports.
 */
import type { AgentTrust } from './result.js';

/** Send lag p99 above this share of the reported latency p50 (and above LAG_FLOOR_MS) makes a run UNTRUSTED. */
export const LAG_SHARE = 0.1;
export const LAG_FLOOR_MS = 0.2;

/** An agent's own verdict from its event loop and CPU (spin-waits before due sends are not work). */
export function agentTrust(agent: number, loop: { p99Ms: number; maxMs: number }, cpuPct: number, spinPct: number, cpuS: number, youngGcs?: number): AgentTrust {
  const why: string[] = [];
  if (loop.p99Ms > 50) why.push(`agent ${agent} event-loop delay p99 ${loop.p99Ms.toFixed(1)} ms > 50 ms`);
  const busy = Math.max(0, cpuPct - spinPct);
  if (busy > 90) why.push(`agent ${agent} CPU ${busy.toFixed(0)}% of one core > 90% (besides ${spinPct.toFixed(0)}% waiting out due times)`);
  return { loop_p99_ms: loop.p99Ms, loop_max_ms: loop.maxMs, cpu_pct: cpuPct, spin_pct: spinPct, ...(youngGcs === undefined ? {} : { young_gcs: youngGcs }), cpu_s: cpuS, saturated: why.length > 0, why };
}

/** Below this many sends, p99 is the single worst send and says nothing of the arrival process. */
export const LAG_MIN_SENDS = 100;

/**
 * The run's verdict on the generator's error bar. Latency is measured from the actual send, so lag
 * distorts it only through a busy agent, which delays reads as it delays sends: each percentile of the
 * send lag is held against the same percentile of the latency it reports (p50 against p50, p99 against
 * p99), and more than LAG_SHARE of it (and more than LAG_FLOOR_MS) makes the run UNTRUSTED.
 */
export function lagProblem(lag: { p50_ms: number; p99_ms: number; count: number }, latency: { p50_ms: number; p99_ms: number; count: number }): string | undefined {
  if (lag.count < LAG_MIN_SENDS || latency.count === 0) return undefined;
  for (const q of ['p50_ms', 'p99_ms'] as const) {
    if (lag[q] > LAG_FLOOR_MS && lag[q] > LAG_SHARE * latency[q]) {
      const name = q.slice(0, 3);
      return `generator send lag ${name} ${lag[q].toFixed(3)} ms > ${LAG_SHARE * 100}% of the latency ${name} ${latency[q].toFixed(3)} ms it reports: the agent was too busy to send (and read) on time`;
    }
  }
  return undefined;
}
