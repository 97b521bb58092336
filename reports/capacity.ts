/**
 * The report of a capacity search (`bfg report capacity.json`): the knee — latency percentiles and
 * loss against the varied load, the SLO line, the highest load that held — and, with `--plan`, the
 * fleet that follows from it. Everything from the search is measured; the fleet is modeled.
 */
import type { ChartConfiguration } from 'chart.js';
import type { Plan } from '../calculators/plan.js';
import type { CapacityResult } from '../loadgen/find/capacity.js';
import { render, sizingCharts, type Chart } from './charts.js';
import { writeFiles } from './files.js';
import type { Section } from './sections.js';

const n = (v: number | undefined, d = 3) => (v === undefined || !Number.isFinite(v) ? 'n/a' : Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(d));

/** the knee chart: p50/p99 against load, the latency SLO as a line, the chosen point, loss on a second axis */
function kneeConfig(c: CapacityResult): ChartConfiguration {
  // a step the generator decided measured the load tool, not the gateway: the table keeps it, the curve does not
  const gateway = c.steps.filter((s) => !s.generator_bound);
  const steps = (gateway.length ? gateway : [...c.steps]).sort((a, b) => (a[c.vary] ?? 0) - (b[c.vary] ?? 0));
  const xs = steps.map((s) => s[c.vary] ?? 0);
  const slo = c.scenario.thresholds.find((t) => t.metric === 'p99_ms' && (t.op === '<' || t.op === '<='));
  const chosen = c.highest_ok?.[c.vary];
  const pts = (f: (s: (typeof steps)[number]) => number) => steps.map((s) => ({ x: s[c.vary] ?? 0, y: f(s) }));
  const datasets: NonNullable<ChartConfiguration['data']>['datasets'] = [
    { label: 'latency p50 (ms)', data: pts((s) => s.p50_ms), borderColor: '#1f77b4', backgroundColor: '#1f77b4', yAxisID: 'y' },
    { label: 'latency p99 (ms)', data: pts((s) => s.p99_ms), borderColor: '#d62728', backgroundColor: '#d62728', yAxisID: 'y' },
    { label: 'lost', data: pts((s) => s.lost), borderColor: '#7f7f7f', backgroundColor: '#7f7f7f', borderDash: [4, 4], yAxisID: 'y2' },
  ];
  if (slo) datasets.push({ label: `SLO ${slo.expr}`, data: [{ x: Math.min(...xs), y: slo.value }, { x: Math.max(...xs), y: slo.value }], borderColor: '#2ca02c', backgroundColor: '#2ca02c', pointRadius: 0, yAxisID: 'y' });
  if (chosen !== undefined) {
    const s = steps.find((x) => x[c.vary] === chosen)!;
    datasets.push({ label: `highest that held: ${c.vary}=${chosen}`, data: [{ x: chosen, y: s.p99_ms }], borderColor: '#000', backgroundColor: '#ff7f0e', pointRadius: 8, pointStyle: 'rectRot', showLine: false, yAxisID: 'y' });
  }
  return {
    type: 'scatter',
    data: { datasets: datasets.map((d) => ({ showLine: true, pointRadius: 3, ...d })) },
    options: {
      animation: false, responsive: false,
      plugins: { title: { display: true, text: `The knee: latency and loss against ${c.vary} (measured)` }, legend: { display: true } },
      scales: {
        x: { type: 'linear', title: { display: true, text: c.vary === 'rate' ? 'messages per second per room' : c.vary === 'room_size' ? 'members per room' : 'users (connections)' } },
        y: { title: { display: true, text: 'latency (ms)' }, beginAtZero: true },
        y2: { position: 'right', title: { display: true, text: 'lost messages' }, beginAtZero: true, grid: { drawOnChartArea: false } },
      },
    },
  };
}

/** Writes the capacity report; returns the paths written. */
export async function writeCapacityReport(c: CapacityResult, o: { plan?: Plan; out: string }): Promise<{ md: string; html: string; charts: string[] }> {
  const charts: Chart[] = [await render('knee', `The knee against ${c.vary} (measured)`, kneeConfig(c))];
  const k = c.knee_per_node;
  const secs: Section[] = [
    {
      title: 'Search',
      text: [
        `${c.scenario.name}, varying ${c.vary} from ${c.search.from} (×${c.search.factor}, then bisection to ${c.search.tolerance * 100}%), SLO ${c.slo.join(', ')}; against ${c.target}; started ${c.started_at}.`,
        `Measured on ${c.machine.cpus}x ${c.machine.cpu_model}, ${c.machine.mem_gib} GiB, node ${c.machine.node}. Each step held ${c.search.hold_s} s of traffic or more (for ${c.search.min_samples} latency samples), the first ${c.search.warmup_s} s left out of its latency.`,
        `Highest load that held: ${c.highest_ok ? `${c.vary}=${c.highest_ok[c.vary]}` : 'none'}; first that broke: ${c.first_broken ? `${c.vary}=${c.first_broken[c.vary]}` : 'none'}. ${c.why}`,
        ...(c.stopped === 'generator' ? ['UNTRUSTED: the search stopped where the generator, not the gateway, was the limit.'] : []),
      ],
      charts: ['knee'],
    },
    {
      title: 'Steps (measured)',
      text: [],
      table: {
        head: [c.vary, 'verdict', 'p50 ms', 'p99 ms', 'samples', 'lost', 'send lag p99 ms', 'conns / node', 'deliveries/s / node', 'CPU % / node', 'broke'],
        rows: c.steps.map((s) => [n(s[c.vary]), s.generator_bound ? 'GENERATOR-BOUND' : s.ok ? 'held' : 'BROKE', n(s.p50_ms), n(s.p99_ms), n(s.samples), n(s.lost), n(s.send_lag_p99_ms), n(s.per_node.connections), n(s.per_node.deliveries_per_s), n(s.per_node.cpu_pct, 1), s.broke.join('; ') || (s.generator_why ?? '')]),
        bad: c.steps.map((s) => !s.ok || s.generator_bound),
      },
    },
  ];
  if (k) {
    secs.push({
      title: 'Per gateway node at the knee (measured)',
      text: [k.note],
      table: { head: ['nodes', 'connections', 'deliveries/s', 'CPU % of a core', 'RSS per connection', 'measured on'], rows: [[k.nodes, n(k.connections), n(k.deliveries_per_s), n(k.cpu_pct, 1), k.rss_per_connection_bytes ? `${n(k.rss_per_connection_bytes / 1024, 2)} KiB` : 'n/a', k.measured_on]] },
    });
  }
  if (o.plan) {
    charts.push(...(await sizingCharts(o.plan)));
    secs.push({
      title: 'The fleet that follows (modeled from the plan inputs; measured ones marked)',
      text: [`binding: connections by ${o.plan.binding.connections}; bus by ${o.plan.binding.bus}; servers by ${o.plan.binding.servers}${o.plan.binding.cold ? `; Cassandra nodes (the cold tier) by ${o.plan.binding.cold}` : ''}.`,
        ...Object.entries(o.plan.sources).map(([key, src]) => `${key}: measured — ${src!.note}`)],
      table: { head: ['figure', 'value', 'unit', 'formula'], rows: o.plan.figures.map((f) => [f.name, typeof f.value === 'number' ? n(f.value, 2) : f.value, f.unit, f.formula]) },
      charts: ['sizing-servers', 'sizing-bus'],
    });
  }
  const title = `BFG capacity search — ${c.scenario.name}, varying ${c.vary}`;
  return writeFiles(o.out, title, secs, charts);
}
