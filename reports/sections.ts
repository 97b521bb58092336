/**
 * The report's content as data (sections of text, tables and charts), rendered by markdown.ts and
 * html.ts alike, so both say the same thing.
 */
import type { Plan } from '../calculators/plan.js';
import type { RunResult } from '../loadgen/result.js';
import type { Regression } from './baseline.js';
import type { Chart } from './charts.js';

export interface Table { head: string[]; rows: (string | number)[][]; bad?: boolean[] }
export interface Section { title: string; text: string[]; table?: Table; charts?: string[] }

const n = (v: number | undefined | null, d = 2) => (v === undefined || v === null || !Number.isFinite(v) ? 'n/a' : Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(d));

/** Builds every section of the report. */
export function sections(r: RunResult, charts: Chart[], plan?: Plan, regress?: Regression[], tolerance?: number): Section[] {
  const has = (c: string) => charts.some((x) => x.name === c);
  const out: Section[] = [];
  const s = r.scenario, m = r.machine;
  out.push({
    title: 'Scenario',
    text: [`${s.name}: ${s.description || 'no description'}`,
      ...(s.stages ? [`Stages (users and messages per second per room at each stage's end, ramped linearly): ${s.stages.map((g) => `${g.duration_s} s → ${g.users ?? 'same'} users${g.rate_per_room !== undefined ? `, ${g.rate_per_room}/s` : ''}`).join('; ')}.`] : []),
      `Target ${r.target}; ${s.users} users on ${r.agents.length} agent(s), rooms of ${s.rooms.size}, ${s.messages.rate_per_room} msgs/s per room, ${s.duration_s} s; started ${r.started_at}, ${r.wall_s.toFixed(1)} s wall.`,
      `Result: ${r.passed ? 'PASS' : 'FAIL'}${r.failures?.length ? ` — ${r.failures.join('; ')}` : ''}${r.trusted ? '' : ` — UNTRUSTED: ${r.untrusted_reasons.join('; ')}`}`],
  });
  out.push({
    title: 'Machine (where every measured figure was measured)',
    text: [],
    table: { head: ['cores', 'CPU', 'memory', 'fd limit', 'Node', 'OS'], rows: [[m.cpus, m.cpu_model, `${m.mem_gib} GiB`, n(m.fd_limit), m.node, m.platform]] },
  });
  out.push({
    title: 'Thresholds',
    text: r.thresholds.length ? [] : ['No thresholds were set.'],
    table: { head: ['threshold', 'actual', 'result'], rows: r.thresholds.map((t) => [t.expr, t.no_samples ? 'no samples' : n(t.actual, 3), t.ok ? 'pass' : 'FAILED']), bad: r.thresholds.map((t) => !t.ok) },
  });
  const L = r.ledger;
  out.push({
    title: 'Delivery ledger (measured)',
    text: ['Every receiver checked each room\'s seq for gaps; gaps left at the end were read back from the gateway\'s history (backfilled); the rest are lost.'],
    table: { head: ['expected', 'delivered', 'backfilled', 'lost', 'duplicated', 'reordered', 'recovered on join'], rows: [[L.expected, L.delivered, L.backfilled, L.lost, L.duplicated, L.reordered, L.recovered].map((x) => n(x))], bad: [L.lost > 0 || L.duplicated > 0] },
  });
  const lat = r.latency;
  out.push({
    title: 'Latency (measured, ms from the intended send time)',
    text: [],
    table: { head: ['recipient', 'p50', 'p90', 'p99', 'p99.9', 'max', 'samples'], rows: (['every', 'first', 'last'] as const).map((k) => [k, n(lat[k].p50_ms, 3), n(lat[k].p90_ms, 3), n(lat[k].p99_ms, 3), n(lat[k].p999_ms, 3), n(lat[k].max_ms, 3), n(lat[k].count)]) },
    charts: ['latency', 'throughput'].filter(has),
  });
  out.push({
    title: 'Connections and reconnects (measured)',
    text: [`connects ${n(r.stats.connects)}, connect errors ${n(r.stats.connect_errors)} (${n(r.metrics.connect_errors_pct, 3)}%), reconnects ${n(r.stats.reconnects)}, peak ${n(r.stats.peak_connections)}, slow-consumer closes ${n(r.stats.slow_closed)}`,
      ...(r.storm ? [`Storm at ${r.storm.at_s} s: ${r.storm.drop_pct}% dropped by ${r.storm.method}, reconnect policy ${r.storm.policy}; time to recover ${r.storm.time_to_recover_ms != null ? `${r.storm.time_to_recover_ms} ms` : r.storm.time_to_recover_s != null ? `${r.storm.time_to_recover_s} s` : 'not recovered'}.`] : [])],
    charts: ['connections', 'reconnect'].filter(has),
  });
  const cap: (string | number)[][] = [];
  if (r.server) {
    cap.push(['gateway peak RSS', `${n(r.server.peak_rss_bytes / 2 ** 20, 1)} MiB`, 'measured', r.server.note]);
    if (r.server.rss_per_connection_bytes) cap.push(['gateway RSS per connection', `${n(r.server.rss_per_connection_bytes / 1024)} KiB`, 'measured', `at ${n(r.stats.peak_connections)} connections`]);
  }
  for (const a of r.agents) cap.push([`agent ${a.agent} event-loop p99 / CPU`, `${n(a.trust.loop_p99_ms)} ms / ${n(a.trust.cpu_pct, 0)}%`, 'measured', a.trust.saturated ? 'SATURATED' : 'not saturated']);
  if (plan) {
    for (const [k, src] of Object.entries(plan.sources)) cap.push([`plan input ${k}`, n(plan.inputs[k as keyof Plan['inputs']] as number), 'measured', src!.note]);
    for (const f of plan.figures) cap.push([f.name, `${typeof f.value === 'number' ? n(f.value) : f.value} ${f.unit}`, 'modeled', f.formula]);
  }
  out.push({
    title: 'Capacity figures',
    text: ['Each figure says whether it was measured on the machine above or modeled from inputs.'],
    table: { head: ['figure', 'value', 'measured or modeled', 'how'], rows: cap },
    charts: ['gateway', 'sizing-servers', 'sizing-bus'].filter(has),
  });
  if (regress) {
    out.push({
      title: `Regression against the baseline (tolerance ${tolerance}%)`,
      text: [regress.some((x) => x.regressed) ? 'REGRESSIONS found: see the marked rows.' : 'No regression beyond the tolerance.'],
      table: { head: ['metric', 'baseline', 'this run', 'change %', 'verdict'], rows: regress.map((x) => [x.metric, n(x.old, 3), n(x.new, 3), Number.isFinite(x.change_pct) ? x.change_pct : 'new', x.regressed ? 'REGRESSED' : 'ok']), bad: regress.map((x) => x.regressed) },
    });
  }
  return out;
}
