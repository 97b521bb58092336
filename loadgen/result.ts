/** The result of one `bfg load` run: one JSON file, schema `bfg.result.v1`. */
import type { AgentStats, AgentTrust, EphemeralResult, TimePoint } from './agent/result.js';
import type { LedgerCounts } from './measure/ledger.js';
import type { Percentiles } from './measure/histogram.js';
import type { Scenario } from './scenario/scenario.js';
import type { HttpPhaseResult } from './run/http-phase.js';
import type { HistoryPhaseResult } from './run/history-phase.js';

export const RESULT_SCHEMA = 'bfg.result.v1';

export interface ThresholdOutcome {
  expr: string; metric: string; op: string; value: number; actual: number; ok: boolean;
  /** the metric had no samples (or was not measured): the threshold is not met */
  no_samples?: boolean;
}
export interface ServerSample { t: number; pid: number; cpu_pct: number; rss_bytes: number }

export interface RunResult {
  schema: typeof RESULT_SCHEMA;
  scenario: Scenario;
  started_at: string;
  wall_s: number;
  target: string;
  /** where the figures were measured */
  machine: { cpus: number; cpu_model: string; mem_gib: number; node: string; fd_limit: number; platform: string };
  agents: { agent: number; users: number; trust: AgentTrust; rss_bytes: number; stats: AgentStats; counts: LedgerCounts; name?: string; clock_offset_ms?: number; clock_bound_ms?: number }[];
  /** agents that died or failed: why, and their last reported progress, kept apart from the merged figures */
  dead_agents?: { agent: number; reason: string; last_progress?: TimePoint }[];
  ledger: LedgerCounts;
  /** fan-out latency, arrival − actual send; `intended`: arrival − intended send (shows coordinated omission) */
  latency: { every: Percentiles; first: Percentiles; last: Percentiles; intended?: Percentiles };
  /** the generator's own error bar: send lag (actual − intended write time) and receive processing per read */
  generator?: { send_lag: Percentiles; receive_processing: Percentiles };
  /** the protocol handshake, WebSocket open to the session ready (measured), and those that never finished */
  handshake?: Percentiles & { failed: number };
  stats: AgentStats;
  /** every figure a threshold can name */
  metrics: Record<string, number>;
  thresholds: ThresholdOutcome[];
  passed: boolean;
  /** why the run failed whatever its thresholds: no connection ever opened, or nothing delivered although messages were sent */
  failures?: string[];
  trusted: boolean;
  untrusted_reasons: string[];
  /** with --serve: the CPUs the gateway and the generator ran on and the agents' scheduling, or why they were not pinned */
  placement?: { gateway: string; generator: string; agents?: string } | { unpinned: string };
  timeline: TimePoint[];
  server?: {
    samples: ServerSample[]; peak_rss_bytes: number; rss_per_connection_bytes?: number; note: string;
    /** with serve.front haproxy: connections per node as the front counted them each second (measured), and their spread */
    front?: { kind: 'haproxy'; balance: 'leastconn'; samples: { t: number; per_node: number[] }[]; peak_per_node: number[]; busiest: number[]; max_over_mean: number };
  };
  /** the http phase (autocannon on the history endpoint), measured */
  http?: HttpPhaseResult;
  ephemeral?: EphemeralResult;
  /** the history phase (scrolling back through rooms), measured: pages, gaps, latency by tier */
  history?: HistoryPhaseResult;
  storm?: { at_s: number; drop_pct: number; method: string; policy: string; time_to_recover_ms: number | null; time_to_recover_s: number | null };
}
