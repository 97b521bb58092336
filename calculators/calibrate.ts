/**
 * Calibration: replaces modeled plan inputs with figures measured in a `bfg load` result, and
 * says which run, gateway and machine each came from.
 */
import type { CapacityResult } from '../loadgen/find/capacity.js';
import type { RunResult } from '../loadgen/result.js';
import { heartbeatUsMeasured } from './heartbeat.js';
import type { PlanKey, SloKey, Sources } from './inputs.js';

export interface Calibration { values: Partial<Record<PlanKey | SloKey, number>>; sources: Sources; notes: string[] }

/** What `npm run bench:archive` writes (bench/results/archive.json), as far as the plan reads it. */
export interface ArchiveBench {
  schema: 'bfg.bench.v1'; bench: string; date: string; build: string;
  machine: { cpu: string; cores: number };
  figures: { name: string; value: number | null; unit: string; method: string }[];
}

/** The archive worker's measured rate into Cassandra (bench:archive) as archive_msgs_per_worker_per_sec. */
export function calibrateArchive(b: ArchiveBench, file: string): Calibration {
  const f = b.figures.find((x) => x.name.startsWith('archive worker: messages written'));
  if (b.bench !== 'archive' || !f || !f.value) return { values: {}, sources: {}, notes: [`${file}: not a bench:archive result with a measured worker rate; the modeled inputs stay`] };
  return {
    values: { archive_msgs_per_worker_per_sec: f.value },
    sources: { archive_msgs_per_worker_per_sec: { provenance: 'measured', note: `${file}: npm run bench:archive ${b.date}, build ${b.build}, ${b.machine.cpu} x${b.machine.cores}: ${f.method}` } },
    notes: [],
  };
}

/**
 * The limits a capacity search measured at its SLO: connections per node when it varied users,
 * deliveries per second per node when it varied the message rate or the room size.
 */
export function calibrateCapacity(c: CapacityResult, file: string): Calibration {
  const values: Calibration['values'] = {};
  const sources: Sources = {};
  const notes: string[] = [];
  const k = c.knee_per_node, hi = c.highest_ok;
  if (!k || !hi || c.stopped === 'first_step_broken') {
    notes.push(`${file}: no measured limit (${c.why}); the modeled inputs stay`);
    return { values, sources, notes };
  }
  // a search that ended without a broken step gives a lower bound: conservative, and said so
  const lower = c.stopped === 'max_reached' ? 'a lower bound: every step held up to --to'
    : c.stopped === 'generator' ? 'a lower bound: the generator saturated before the gateway broke' : '';
  const bound = lower ? ` (${lower})` : '';
  if (lower) notes.push(`${file}: ${lower}; the plan is conservative`);
  const where = `${file}: bfg find --vary ${c.vary} on ${c.scenario.name}, SLO ${c.slo.join(', ')}, highest held ${c.vary}=${hi[c.vary]}${bound}, ${k.measured_on}, against ${c.target}`;
  if (c.vary === 'users') {
    values.slo_connections_per_server = k.connections;
    sources.slo_connections_per_server = { provenance: 'measured', note: where };
  } else {
    values.slo_deliveries_per_server_per_sec = k.deliveries_per_s;
    sources.slo_deliveries_per_server_per_sec = { provenance: 'measured', note: where };
  }
  if (k.rss_per_connection_bytes) {
    values.mem_per_conn_kib = Math.round((k.rss_per_connection_bytes / 1024) * 100) / 100;
    sources.mem_per_conn_kib = { provenance: 'measured', note: `gateway RSS per connection at the knee, ${where}` };
  }
  notes.push(`measured on ${k.measured_on}: a server of another size holds a different knee; re-run bfg find there to size it`);
  return { values, sources, notes };
}

/** Gateway CPU-seconds in pidusage samples (one a second per process). */
function cpuSeconds(samples: readonly { cpu_pct: number }[]): number {
  return samples.reduce((a, s) => a + s.cpu_pct / 100, 0);
}

/** The gateway's heartbeat interval in a --serve run: its --heartbeat-ms in the scenario's serve.args, else bfg serve's default (25 s). */
function heartbeatS(r: RunResult): number {
  const args = r.scenario.serve?.args ?? [];
  const k = args.indexOf('--heartbeat-ms');
  return (k >= 0 ? Number(args[k + 1]) : 25_000) / 1000;
}

export interface HeartbeatCalibration { us: number; idleS: number; heartbeatS: number; connections: number; cpuSeconds: number }

/**
 * Gateway CPU per heartbeat round trip, from a run's idle stretches: timeline buckets in which the
 * connection count, sends, receipts, reconnects and errors did not move, and nothing was arriving,
 * counted from one heartbeat interval after the last change (the ramp's tail is not idle cost).
 * Every other idle cost (presence beats, timers) is in the figure too. A string says why there is none.
 */
export function calibrateHeartbeat(r: RunResult): HeartbeatCalibration | string {
  const samples = r.server?.samples ?? [];
  if (samples.length === 0) return 'the result has no gateway CPU samples (run bfg load with --serve)';
  const hbS = heartbeatS(r);
  const tl = r.timeline ?? [];
  const spans: [number, number][] = [];
  let since = 0, idleS = 0, connectionSeconds = 0, connections = 0;
  for (let j = 1; j < tl.length; j++) {
    const p = tl[j], q = tl[j - 1];
    const still = p.connected > 0 && p.arriving === 0 && p.connected === q.connected && p.sent === q.sent && p.received === q.received
      && p.reconnects === q.reconnects && p.connect_errors === q.connect_errors;
    if (!still) { since = p.t; continue; }
    if (q.t - since < hbS) continue;
    spans.push([q.t, p.t]);
    idleS += p.t - q.t;
    connectionSeconds += p.connected * (p.t - q.t);
    connections = Math.max(connections, p.connected);
  }
  // the sweep pings every connection once per interval: fewer than 4 intervals would weigh one sweep too much
  if (idleS < 4 * hbS) return `no idle stretch of at least 4 heartbeat intervals (${4 * hbS} s) after one interval of calm: ${idleS} s found (hold idle sockets longer, as bench:idle does)`;
  // a sample at t covers the second before it (pidusage: CPU since its last call for that process)
  const idleCpuS = cpuSeconds(samples.filter((s) => spans.some(([a, b]) => s.t > a && s.t <= b)));
  return { us: heartbeatUsMeasured(idleCpuS, connectionSeconds, hbS), idleS, heartbeatS: hbS, connections, cpuSeconds: idleCpuS };
}

/** The measured inputs a result provides. */
export function calibrate(r: RunResult, file: string): Calibration {
  const values: Partial<Record<PlanKey, number>> = {};
  const sources: Sources = {};
  const notes: string[] = [];
  const where = `${file} (${r.scenario.name}, ${r.started_at}, ${r.machine.cpus}x ${r.machine.cpu_model}, node ${r.machine.node})`;
  const per = r.server?.rss_per_connection_bytes;
  if (per && per > 0) {
    values.mem_per_conn_kib = Math.round((per / 1024) * 100) / 100;
    sources.mem_per_conn_kib = { provenance: 'measured', note: `gateway RSS per connection at ${r.stats.peak_connections} connections, ${where}` };
  } else notes.push('mem_per_conn_kib: the result has no gateway RSS per connection (run bfg load with --serve)');
  const cpu = cpuSeconds(r.server?.samples ?? []);
  if (cpu > 0 && r.stats.connects > 0) {
    values.accept_per_core_per_sec = Math.round(r.stats.connects / cpu);
    sources.accept_per_core_per_sec = { provenance: 'measured', note: `connections accepted per gateway CPU-second over the whole run (a lower bound: the CPU also served traffic), ${where}` };
  }
  if (cpu > 0 && r.ledger.delivered > 0) {
    values.writes_per_core_per_sec = Math.round(r.ledger.delivered / cpu);
    sources.writes_per_core_per_sec = { provenance: 'measured', note: `fan-out deliveries per gateway CPU-second over the whole run (a lower bound), ${where}` };
  }
  if (cpu === 0) notes.push('accept and fan-out rates: the result has no gateway CPU samples (run bfg load with --serve)');
  const hb = calibrateHeartbeat(r);
  if (typeof hb === 'string') notes.push(`heartbeat_us: ${hb}`);
  else {
    values.heartbeat_us = Math.round(hb.us * 10) / 10;
    sources.heartbeat_us = {
      provenance: 'measured',
      note: `gateway CPU over ${Math.round(hb.idleS)} idle s (${Math.floor(hb.idleS / hb.heartbeatS)} intervals of ${hb.heartbeatS} s, up to ${hb.connections} connections, ${Math.round(hb.cpuSeconds * 10) / 10} CPU-s) per ping/pong round trip, every other idle cost (presence beats, timers) spread over them: measure at the connections per node you plan for, ${where}`,
    };
  }
  if (!r.trusted) notes.push(`the run was UNTRUSTED: ${r.untrusted_reasons.join('; ')}`);
  return { values, sources, notes };
}
