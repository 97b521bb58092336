/**
 * The `http` phase: autocannon loads the gateway's history endpoint (the backfill storm that follows
 * a reconnect storm) while the socket traffic runs, and its figures join the same result.
 */
import autocannon from 'autocannon';
import type { Scenario } from '../scenario/scenario.js';
import { httpBase } from '../agent/plan.js';

export interface HttpPhaseResult {
  url: string; connections: number; duration_s: number; requests: number; rps: number; non2xx: number; errors: number; timeouts: number;
  latency_ms: { p50: number; p90: number; p99: number; max: number };
}

/** Runs the phase against rooms of this run; resolves with what autocannon measured. */
export async function httpPhase(s: Readonly<Scenario>, target: string, run: string): Promise<HttpPhaseResult> {
  const h = s.http!;
  const base = httpBase(target);
  const rooms = Math.max(1, Math.min(50, Math.ceil(s.users / s.rooms.size)));
  let n = 0;
  const r = await autocannon({
    url: base, connections: h.connections, duration: h.duration_s,
    requests: [{ method: 'GET', setupRequest: (req: autocannon.Request) => ({ ...req, path: `/rooms/${run}-room${n % rooms}/messages?after=0&limit=${h.limit}&user=${run}-u${n++ % s.users}` }) }],
  });
  return {
    url: `${base}/rooms/:room/messages`, connections: h.connections, duration_s: h.duration_s,
    requests: r.requests.total, rps: r.requests.average, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts,
    latency_ms: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
  };
}
