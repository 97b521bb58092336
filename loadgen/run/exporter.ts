/**
 * `--metrics-port`: the run's live figures in Prometheus text format (prom-client), served while the
 * run lasts. Every figure is the sum over agents of the newest progress point each streamed (local
 * agents over IPC, remote ones through Redis): no traffic of its own. Counters are cumulative, so a
 * scrape at any moment sees what happened so far; the final figures stay in the result.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import { PROM_BUCKETS_S } from '../measure/measurements.js';
import type { TimePoint } from '../agent/result.js';

type Live = NonNullable<TimePoint['live']>;

/** Every metric the exporter serves (the dashboard test checks its queries against these names). */
export const LOAD_METRICS = Object.freeze([
  'bfg_load_connections', 'bfg_load_connects_total', 'bfg_load_connect_errors_total', 'bfg_load_reconnects_total',
  'bfg_load_sent_total', 'bfg_load_acked_total', 'bfg_load_deliveries_total', 'bfg_load_missing', 'bfg_load_lost_total',
  'bfg_load_duplicated_total', 'bfg_load_reordered_total', 'bfg_load_latency_seconds', 'bfg_load_send_lag_seconds',
]);

/** A Prometheus histogram from bucket counts summed over agents (prom-client formats it like its own). */
function histogram(name: string, help: string, pick: (l: Live) => { counts: number[]; sum_s: number }, points: () => Iterable<TimePoint>) {
  return {
    name, help, type: 'histogram', aggregator: 'sum',
    get() {
      const counts = new Array<number>(PROM_BUCKETS_S.length + 1).fill(0);
      let sum = 0;
      for (const p of points()) {
        if (!p.live) continue;
        const h = pick(p.live);
        h.counts.forEach((c, i) => (counts[i] += c));
        sum += h.sum_s;
      }
      let acc = 0;
      const values = counts.map((c, i) => {
        acc += c;
        return { metricName: `${name}_bucket`, labels: { le: i < PROM_BUCKETS_S.length ? String(PROM_BUCKETS_S[i]) : '+Inf' }, value: acc };
      });
      values.push({ metricName: `${name}_sum`, labels: {} as { le: string }, value: sum }, { metricName: `${name}_count`, labels: {} as { le: string }, value: acc });
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    },
  };
}

export class LoadExporter {
  readonly registry = new Registry();
  private server?: Server;

  constructor(points: () => Iterable<TimePoint>, labels: { scenario: string; run: string }) {
    this.registry.setDefaultLabels(labels);
    const r = [this.registry];
    const sum = (f: (p: TimePoint) => number) => { let s = 0; for (const p of points()) s += f(p); return s; };
    const live = (f: (l: Live) => number) => sum((p) => (p.live ? f(p.live) : 0));
    const gauge = (name: string, help: string, f: () => number) => new Gauge({ name, help, registers: r, collect() { this.set(f()); } });
    const counter = (name: string, help: string, f: () => number) => new Counter({ name, help, registers: r, collect() { this.reset(); this.inc(f()); } });
    gauge('bfg_load_connections', 'open connections of the load generator (measured)', () => sum((p) => p.connected));
    counter('bfg_load_connects_total', 'connections opened', () => live((l) => l.connects));
    counter('bfg_load_connect_errors_total', 'connection attempts that failed', () => sum((p) => p.connect_errors));
    counter('bfg_load_reconnects_total', 'connections opened again after a close', () => sum((p) => p.reconnects));
    counter('bfg_load_sent_total', 'messages sent', () => sum((p) => p.sent));
    counter('bfg_load_acked_total', 'messages acked by the gateway', () => live((l) => l.acked));
    counter('bfg_load_deliveries_total', 'messages delivered to recipients (fresh, in the ledger)', () => live((l) => l.delivered));
    gauge('bfg_load_missing', 'seqs missing at receivers right now (gaps not filled yet): the live view of loss', () => live((l) => l.lost));
    counter('bfg_load_lost_total', 'messages lost: settled when the ledger closes at the end of the run (see bfg_load_missing live)', () => 0);
    counter('bfg_load_duplicated_total', 'messages delivered twice to one recipient', () => live((l) => l.duplicated));
    counter('bfg_load_reordered_total', 'messages delivered after a later one', () => live((l) => l.reordered));
    for (const m of [
      histogram('bfg_load_latency_seconds', 'fan-out latency, arrival - actual send (measured)', (l) => l.lat, points),
      histogram('bfg_load_send_lag_seconds', 'generator send lag, actual - intended write: its error bar (measured)', (l) => l.lag, points),
    ]) this.registry.registerMetric(m as never);
  }

  /** listens; resolves with the URL of /metrics */
  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return void res.end('bfg load serves GET /metrics\n');
      }
      this.registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': this.registry.contentType });
        res.end(text);
      }, (err) => {
        res.writeHead(500);
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    return `http://${host.includes(':') ? `[${host}]` : host}:${a.port}/metrics`;
  }

  /** closes the port */
  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((r) => this.server!.close(r));
  }
}
