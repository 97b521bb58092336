/** The report's charts, rendered to PNG with chartjs-node-canvas; every axis is labeled with its unit. */
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import type { ChartConfiguration } from 'chart.js';
import { busNodes, subscriptionsPerServer } from '../calculators/bus.js';
import { connectionsPerServer, serversNeeded } from '../calculators/connections.js';
import type { Plan } from '../calculators/plan.js';
import type { RunResult } from '../loadgen/result.js';
import { segments, usersAt } from '../loadgen/agent/stages.js';

export const CHART_WIDTH = 900;
export const CHART_HEIGHT = 360;
const canvas = new ChartJSNodeCanvas({ width: CHART_WIDTH, height: CHART_HEIGHT, backgroundColour: 'white' });
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];

export interface Chart { name: string; title: string; png: Buffer }

type Series = { label: string; data: (number | null)[]; axis?: 'y' | 'y2' };

export function line(title: string, xLabel: string, x: (string | number)[], yLabel: string, series: Series[], y2Label?: string): ChartConfiguration {
  return {
    type: 'line',
    data: {
      labels: x,
      datasets: series.map((s, i) => ({ label: s.label, data: s.data, borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length], yAxisID: s.axis ?? 'y', pointRadius: 2, spanGaps: true })),
    },
    options: {
      animation: false, responsive: false,
      plugins: { title: { display: true, text: title }, legend: { display: true } },
      scales: {
        x: { title: { display: true, text: xLabel } },
        y: { title: { display: true, text: yLabel }, beginAtZero: true },
        ...(y2Label ? { y2: { position: 'right' as const, title: { display: true, text: y2Label }, beginAtZero: true, grid: { drawOnChartArea: false } } } : {}),
      },
    },
  };
}

export const render = async (name: string, title: string, cfg: ChartConfiguration): Promise<Chart> => ({ name, title, png: await canvas.renderToBuffer(cfg) });

/** Charts of one load run (and of a plan when given). */
export async function charts(r: RunResult, plan?: Plan): Promise<Chart[]> {
  const tl = r.timeline;
  const t = tl.map((p) => p.t);
  // timeline buckets are timeline_ms long (1 s in results from before 100 ms buckets): rates per second
  const perS = 1000 / (r.scenario.timeline_ms ?? 1000);
  const delta = (k: 'sent' | 'received' | 'reconnects' | 'connect_errors') => tl.map((p, i) => (p[k] - (i ? tl[i - 1][k] : 0)) * perS);
  const out: Chart[] = [];
  // a staged scenario: its target drawn beside what was measured
  const segs = r.scenario.stages ? segments(r.scenario.stages, r.scenario.messages.rate_per_room) : null;
  out.push(await render('connections', `Connections over time (measured${segs ? '; stage targets as given' : ''})`, line('Open connections (measured)', 'time (s)', t, 'connections', [
    { label: 'connected', data: tl.map((p) => p.connected) },
    ...(segs ? [{ label: 'stage target (scenario)', data: t.map((x) => Math.round(usersAt(segs, x))) }] : []),
  ])));
  out.push(await render('latency', 'Delivery latency percentiles over time (measured)', line(`Every-recipient latency, arrival − actual send, per ${r.scenario.timeline_ms ?? 1000} ms (measured)`, 'time (s)', t, 'latency (ms)', [
    { label: 'p50', data: tl.map((p) => p.p50_ms ?? null) }, { label: 'p99', data: tl.map((p) => p.p99_ms ?? null) }, { label: 'p99.9', data: tl.map((p) => p.p999_ms ?? null) },
  ])));
  out.push(await render('throughput', 'Messages sent vs delivered per second (measured)', line('Messages per second (measured)', 'time (s)', t, 'messages per second', [
    { label: 'sent', data: delta('sent') }, { label: 'delivered (all recipients)', data: delta('received') },
  ])));
  const storm = r.storm ? `, storm at ${r.storm.at_s} s, policy ${r.storm.policy}` : '';
  out.push(await render('reconnect', `Reconnect curve (measured${storm})`, line(`Reconnects (measured${storm})`, 'time (s)', t, 'connections', [
    { label: 'connected', data: tl.map((p) => p.connected) },
    { label: 'arriving (connection attempts per s)', data: tl.map((p) => p.arriving * perS), axis: 'y2' },
    { label: 'rejected (failed attempts per s)', data: delta('connect_errors'), axis: 'y2' },
  ], 'attempts per second')));
  if (r.server?.samples.length) {
    const s = r.server.samples;
    const per = r.server.rss_per_connection_bytes ? `, ${(r.server.rss_per_connection_bytes / 1024).toFixed(2)} KiB RSS per connection` : '';
    out.push(await render('gateway', `Gateway RSS and CPU (measured with pidusage${per})`, line(`Gateway process (measured${per})`, 'time (s)', s.map((x) => x.t), 'RSS (MiB)', [
      { label: 'RSS (MiB)', data: s.map((x) => Math.round((x.rss_bytes / 2 ** 20) * 10) / 10) },
      { label: 'CPU (% of one core)', data: s.map((x) => Math.round(x.cpu_pct)), axis: 'y2' },
    ], 'CPU (% of one core)')));
  }
  const front = r.server?.front;
  if (front?.samples.length) {
    const title = `Connections per node behind the HAProxy front (measured from its stats socket; leastconn, busiest node ${front.max_over_mean.toFixed(2)}x the mean)`;
    out.push(await render('front', title, line('Connections per node behind the front (measured)', 'time (s)', front.samples.map((x) => x.t), 'connections',
      front.peak_per_node.map((_, i) => ({ label: `node ${i + 1}`, data: front.samples.map((x) => x.per_node[i] ?? 0) })))));
  }
  if (plan) out.push(...(await sizingCharts(plan)));
  return out;
}

/** Fleet sizing curves from a plan's inputs (modeled). */
export async function sizingCharts(p: Plan): Promise<Chart[]> {
  const i = p.inputs;
  const per = connectionsPerServer(i.usable_ram_gib - i.process_base_mib / 1024, i.mem_per_conn_kib, i.fd_limit).connections;
  const targets = [1, 2, 5, 10, 20, 50, 100].map((m) => m * 1_000_000);
  const servers = await render('sizing-servers', 'Servers needed vs target connections (modeled)', line('Servers needed (modeled from the plan inputs)', 'target connections (millions)', targets.map((x) => x / 1e6), 'servers', [
    { label: 'servers', data: targets.map((x) => serversNeeded(x, per)) },
    { label: `servers x ${i.redundancy} redundancy`, data: targets.map((x) => serversNeeded(x, per, i.redundancy)) },
  ]));
  const sizes = [2, 5, 10, 20, 50, 100, 200, 500, 1000];
  const fleet = serversNeeded(i.target_connections, per);
  const bus = await render('sizing-bus', 'Bus nodes vs room size (modeled)', line(`Bus nodes for ${i.rooms.toLocaleString('en-US')} rooms over ${fleet} servers (modeled)`, 'room size (members)', sizes, 'bus nodes', [
    { label: 'bus nodes (by subscriptions)', data: sizes.map((g) => busNodes(subscriptionsPerServer([{ rooms: i.rooms, members: g }], fleet) * fleet, i.subs_per_bus_node, 0, 1).nodes) },
  ]));
  return [servers, bus];
}
