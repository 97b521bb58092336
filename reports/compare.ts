/**
 * Several results of one scenario side by side (`bfg report a.json b.json …`): the same scenario
 * against two gateways, or two versions of one. One table of figures with each run's ratio to the
 * first, and overlaid charts; every figure is as measured in its own run, on the machine it names.
 */
import { basename } from 'node:path';
import type { RunResult } from '../loadgen/result.js';
import { line, render, type Chart } from './charts.js';
import { writeFiles } from './files.js';
import type { Section } from './sections.js';

const n = (v: number | undefined, d = 3) => (v === undefined || !Number.isFinite(v) ? 'n/a' : Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(d));

/** what each run is called in tables and legends: its file, protocol and target */
export function labelOf(r: RunResult, file: string): string {
  return `${basename(file, '.json')} (${r.scenario.protocol ?? 'bfg'} @ ${r.target.replace(/^wss?:\/\//, '').replace(/\/$/, '')})`;
}

/** the figures compared, each read from a result; `lower` says which way is better */
const FIGURES: [string, (r: RunResult) => number | undefined, boolean][] = [
  ['delivered', (r) => r.ledger.delivered, false],
  ['expected', (r) => r.ledger.expected, false],
  ['lost', (r) => r.ledger.lost, true],
  ['duplicated', (r) => r.ledger.duplicated, true],
  ['reordered', (r) => r.ledger.reordered, true],
  ['latency p50 (ms)', (r) => (r.latency.every.count ? r.latency.every.p50_ms : undefined), true],
  ['latency p99 (ms)', (r) => (r.latency.every.count ? r.latency.every.p99_ms : undefined), true],
  ['last recipient p99 (ms)', (r) => (r.latency.last.count ? r.latency.last.p99_ms : undefined), true],
  ['connect errors', (r) => r.stats.connect_errors, true],
  ['reconnects', (r) => r.stats.reconnects, true],
  ['time to recover (ms)', (r) => r.storm?.time_to_recover_ms ?? undefined, true],
  ['gateway peak RSS (MiB)', (r) => (r.server ? r.server.peak_rss_bytes / 2 ** 20 : undefined), true],
  ['gateway RSS per connection (KiB)', (r) => (r.server?.rss_per_connection_bytes ? r.server.rss_per_connection_bytes / 1024 : undefined), true],
];

/** the comparison's sections and charts */
export async function compare(runs: { r: RunResult; label: string }[]): Promise<{ secs: Section[]; charts: Chart[] }> {
  const first = runs[0].r;
  const names = [...new Set(runs.map((x) => x.r.scenario.name))];
  const machines = [...new Set(runs.map(({ r }) => `${r.machine.cpus}x ${r.machine.cpu_model}, ${r.machine.mem_gib} GiB, node ${r.machine.node}`))];
  const secs: Section[] = [{
    title: 'Runs',
    text: [
      names.length > 1 ? `WARNING: these runs are of different scenarios (${names.join(', ')}): the figures are not like for like.` : `Scenario ${first.scenario.name}: ${first.scenario.users} users, rooms of ${first.scenario.rooms.size}, ${first.scenario.messages.rate_per_room} msgs/s per room, ${first.scenario.duration_s} s.`,
      machines.length > 1 ? `WARNING: measured on different machines: ${machines.join(' | ')}.` : `All measured on ${machines[0]}.`,
    ],
    table: {
      head: ['run', 'protocol', 'target', 'started', 'result', 'trusted'],
      rows: runs.map(({ r, label }) => [label, r.scenario.protocol ?? 'bfg', r.target, r.started_at, r.passed ? 'PASS' : 'FAIL', r.trusted ? 'yes' : `UNTRUSTED: ${r.untrusted_reasons.join('; ')}`]),
      bad: runs.map(({ r }) => !r.passed || !r.trusted),
    },
  }];
  const rows = FIGURES.map(([name, get]) => {
    const base = get(first);
    return [name, ...runs.flatMap(({ r }, i) => {
      const v = get(r);
      const ratio = i === 0 || v === undefined || base === undefined ? '' : base === 0 ? (v === 0 ? '1.00×' : '—') : `${(v / base).toFixed(2)}×`;
      return i === 0 ? [n(v)] : [n(v), ratio];
    })];
  }).filter((row) => row.slice(1).some((c) => c !== 'n/a' && c !== ''));
  secs.push({
    title: 'Figures side by side (measured; ratios to the first run)',
    text: ['Each column is one run as measured; "×" is that run\'s figure divided by the first run\'s (for lost, latency and memory, lower is better).'],
    table: { head: ['figure', runs[0].label, ...runs.slice(1).flatMap(({ label }) => [label, 'ratio'])], rows },
  });
  const charts: Chart[] = [];
  const t = [...new Set(runs.flatMap(({ r }) => r.timeline.map((p) => p.t)))].sort((a, b) => a - b);
  const at = (r: RunResult, f: (p: RunResult['timeline'][number], i: number) => number | undefined) => {
    const by = new Map(r.timeline.map((p, i) => [p.t, f(p, i) ?? null]));
    return t.map((x) => by.get(x) ?? null);
  };
  charts.push(await render('compare-latency', 'Every-recipient latency p99 over time, per run (measured)', line('Latency p99 per bucket (measured)', 'time (s)', t, 'latency (ms)',
    runs.map(({ r, label }) => ({ label, data: at(r, (p) => p.p99_ms) })))));
  charts.push(await render('compare-delivered', 'Deliveries per second, per run (measured)', line('Deliveries per second (measured)', 'time (s)', t, 'deliveries per second',
    runs.map(({ r, label }) => ({ label, data: at(r, (p, i) => (p.received - (i ? r.timeline[i - 1].received : 0)) * (1000 / (r.scenario.timeline_ms ?? 1000))) })))));
  charts.push(await render('compare-connections', 'Open connections over time, per run (measured)', line('Open connections (measured)', 'time (s)', t, 'connections',
    runs.map(({ r, label }) => ({ label, data: at(r, (p) => p.connected) })))));
  secs.push({ title: 'Charts (measured, overlaid)', text: [], charts: charts.map((c) => c.name) });
  return { secs, charts };
}

/** Writes the side-by-side report and returns the paths written. */
export async function writeComparison(runs: { r: RunResult; label: string }[], out: string): Promise<{ md: string; html: string; charts: string[] }> {
  const { secs, charts } = await compare(runs);
  const title = `BFG side-by-side report — ${[...new Set(runs.map((x) => x.r.scenario.name))].join(', ')}`;
  return writeFiles(out, title, secs, charts);
}
