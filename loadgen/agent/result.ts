/** What one agent reports back; the coordinator merges these exactly. */
import type { LedgerCounts } from '../measure/ledger.js';
import type { PromHist } from '../measure/measurements.js';
import type { Percentiles } from '../measure/histogram.js';

/** One timeline bucket (`timeline_ms` long, 100 ms by default): `t` is its start in seconds from the run's t0. */
export interface TimePoint {
  t: number; connected: number; sent: number; received: number; reconnects: number; connect_errors: number; arriving: number;
  /** connections refused with 1013 (overloaded / accept throttled), cumulative */
  rejected: number;
  /** this bucket's every-recipient latency histogram (encoded; agents only, merged away by the coordinator) */
  lat?: string;
  /** this bucket's merged latency percentiles, ms (in the run result) */
  p50_ms?: number; p99_ms?: number; p999_ms?: number;
  /** progress points only (about once a second): what the live metrics export, cumulative */
  live?: {
    connects: number; acked: number;
    /** the ledger's running view: lost is what is missing so far (final figures are in the result) */
    delivered: number; lost: number; duplicated: number; reordered: number;
    lat: PromHist; lag: PromHist;
  };
}

/** typing and read events, by kind */
export interface EphemeralCounts { typing: number; read: number }
export interface AgentStats {
  sent: number; acked: number; send_errors: number; connects: number; connect_errors: number;
  reconnects: number; slow_closed: number; peak_connections: number; closes: Record<string, number>; errors: Record<string, number>;
  /** the first reason seen with each close code (at most 80 characters), so a summary says why */
  close_reasons?: Record<string, string>;
  /** protocols that recover sessions (Socket.IO connection-state recovery): reconnects the server resumed, and those it did not */
  recovered_sessions?: number; unrecovered_sessions?: number;
  /** protocol handshakes (after the WebSocket opened) that did not reach ready within connect_timeout_ms */
  handshake_failed?: number;
  /** a publisher's own messages the server sent back to it (protocols with echo): seen, never counted as deliveries */
  echoes?: number;
  /** ephemeral events (typing, read receipts) this agent's users sent, and received from other members */
  ephemeral_sent?: EphemeralCounts; ephemeral_received?: EphemeralCounts;
}

/** typing and read receipts (BFG) in a run, apart from messages: latency from the origin gateway's receipt (`ts`, ms resolution: the sender's leg to its gateway is not in it), events sent and received, and the `shed` errors the gateway answered (one per connection a second at most) */
export interface EphemeralResult { typing: Percentiles; read: Percentiles; sent: EphemeralCounts; received: EphemeralCounts; shed_notices: number }

export interface AgentTrust {
  loop_p99_ms: number; loop_max_ms: number; cpu_pct: number;
  /** share of wall time spent waiting out the last stretch before due sends (the scheduler's precision) */
  spin_pct: number;
  /** young-generation collections the agent ran in gaps between sends, so no scavenge fell before a send; absent where `gc` is not exposed */
  young_gcs?: number;
  cpu_s: number; saturated: boolean; why: string[];
}

export interface AgentResult {
  agent: number; users: number; counts: LedgerCounts; stats: AgentStats;
  hists: { every: string; first: string; last: string; intended?: string; lag?: string; proc?: string; hs?: string; typing?: string; read?: string };
  timeline: TimePoint[]; trust: AgentTrust; rss_bytes: number;
  /** marginal RSS per open socket, from a tenth of the sockets open to the end of traffic; measured */
  rss_per_socket_bytes?: number; received: number;
}

export const emptyStats = (): AgentStats => ({
  sent: 0, acked: 0, send_errors: 0, connects: 0, connect_errors: 0, reconnects: 0, slow_closed: 0, peak_connections: 0, closes: {}, errors: {},
});
