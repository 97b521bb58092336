/**
 * One step of a capacity search: the scenario at one load value, held long enough to be stable
 * (traffic after all users arrived, a warm-up left out of the latency, enough samples), run, and
 * judged by the scenario's thresholds — and by the generator's own trust, so a step where the load
 * tool is saturated is never blamed on the gateway.
 */
import type { RunResult } from '../result.js';
import type { LoadOptions } from '../run/coordinator.js';
import { runLoad } from '../run/coordinator.js';
import { parseScenario, type Scenario } from '../scenario/scenario.js';
import type { Verdict } from './search.js';

export const DIMENSIONS = ['users', 'rate', 'room_size'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** sends a step needs before the generator's trust is judged (the run's own rule counts from 100) */
const MIN_SENDS = 150;

export interface StepOptions { holdS: number; warmupS: number; minSamples: number; maxHoldS: number }

/** Per gateway node at this step (measured where the run started the gateway). */
export interface PerNode {
  nodes: number; connections: number; deliveries_per_s: number;
  cpu_pct?: number; rss_per_connection_bytes?: number;
  /** how the figures were obtained, or why some are missing */
  note: string;
}

export interface Step extends Verdict {
  users: number; rate_per_room: number; room_size: number;
  /** the thresholds that broke, with their actual values */
  broke: string[];
  p50_ms: number; p99_ms: number; samples: number; delivered: number; lost: number; send_lag_p99_ms: number;
  trusted: boolean; untrusted_reasons: string[]; generator_why?: string;
  hold_s: number; per_node: PerNode;
}

/** The scenario of one step: the varied dimension set, traffic after the arrivals, held for enough samples. */
export function stepScenario(base: Readonly<Scenario>, dim: Dimension, value: number, o: StepOptions): Readonly<Scenario> {
  const raw = structuredClone(base) as Scenario & Record<string, unknown>;
  if (dim === 'users') raw.users = value;
  else if (dim === 'rate') raw.messages.rate_per_room = value;
  else raw.rooms.size = value;
  const size = Math.min(raw.rooms.size, raw.users);
  const rooms = Math.ceil(raw.users / size);
  // deliveries per second the step should make: each room's messages reach its other members
  const perS = rooms * raw.messages.rate_per_room * Math.max(1, size - 1);
  const sendsPerS = rooms * raw.messages.rate_per_room;
  // enough latency samples, and enough sends for the generator's own error bar to be judged
  const need = Math.max((1.2 * o.minSamples) / Math.max(perS, 1e-9), MIN_SENDS / Math.max(sendsPerS, 1e-9));
  const hold = Math.min(o.maxHoldS, Math.max(o.holdS, o.warmupS + need));
  raw.send_after_s = raw.users / raw.arrival_rate + 0.5;
  raw.duration_s = raw.send_after_s + hold;
  raw.warmup_s = o.warmupS;
  const { thresholds, ...rest } = raw;
  return parseScenario({ ...rest, thresholds: thresholds.map((t) => ({ expr: t.expr, abort: t.abort })) }, `step ${dim}=${value}`);
}

/** Judges a run: broken thresholds, and whether the generator rather than the gateway decided it. */
export function judge(r: RunResult, s: Readonly<Scenario>, hold: number): Step {
  const broke = r.thresholds.filter((t) => !t.ok).map((t) => `${t.expr} (${t.no_samples ? 'no samples' : `actual ${t.actual}`})`);
  const ok = broke.length === 0;
  const saturated = r.agents.filter((a) => a.trust.saturated);
  const latencyOnly = r.thresholds.filter((t) => !t.ok).every((t) => /_ms$/.test(t.metric));
  let why: string | undefined;
  if (saturated.length) why = `agent(s) ${saturated.map((a) => a.agent).join(', ')} saturated: ${saturated.flatMap((a) => a.trust.why).join('; ')}`;
  // a latency SLO broken while the generator's own send lag is large against it is the generator's
  else if (!ok && latencyOnly && !r.trusted) why = `latency broke while the generator was UNTRUSTED: ${r.untrusted_reasons.join('; ')}`;
  const nodes = Math.max(1, new Set((r.server?.samples ?? []).map((x) => x.pid)).size || r.target.split(',').length);
  const delivered = r.ledger.delivered;
  return {
    ok, generatorBound: !!why, generator_why: why, broke,
    users: s.users, rate_per_room: s.messages.rate_per_room, room_size: s.rooms.size,
    p50_ms: r.latency.every.p50_ms, p99_ms: r.latency.every.p99_ms, samples: r.latency.every.count, delivered, lost: r.ledger.lost,
    send_lag_p99_ms: r.generator?.send_lag.p99_ms ?? NaN, trusted: r.trusted, untrusted_reasons: r.untrusted_reasons, hold_s: hold,
    per_node: perNode(r, s, nodes, hold),
  };
}

function perNode(r: RunResult, s: Readonly<Scenario>, nodes: number, hold: number): PerNode {
  const base = { nodes, connections: Math.round(r.stats.peak_connections / nodes), deliveries_per_s: Math.round(r.ledger.delivered / hold / nodes) };
  if (!r.server?.samples.length) return { ...base, note: 'connections and deliveries measured by the generator; CPU and RSS not measured (the gateway is not local: --serve measures them)' };
  // CPU: the mean of each node's samples while traffic flowed after the warm-up
  const from = (s.send_after_s ?? 0) + (s.warmup_s ?? 0), to = s.duration_s;
  const during = r.server.samples.filter((x) => x.t >= from && x.t <= to);
  const cpu = during.length ? during.reduce((a, x) => a + x.cpu_pct, 0) / during.length : undefined;
  return { ...base, cpu_pct: cpu === undefined ? undefined : Math.round(cpu * 10) / 10, rss_per_connection_bytes: r.server.rss_per_connection_bytes, note: 'measured with pidusage on the gateway processes the run started (CPU: % of one core per node, mean over the held traffic)' };
}

/** Runs one step. */
export async function runStep(base: Readonly<Scenario>, dim: Dimension, value: number, o: StepOptions, load: Omit<LoadOptions, 'scenario'>): Promise<Step> {
  const s = stepScenario(base, dim, value, o);
  const r = await runLoad({ ...load, scenario: s, progress: false, log: () => {} });
  return judge(r, s, s.duration_s - (s.send_after_s ?? 0));
}
