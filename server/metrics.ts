/** Prometheus metrics of one gateway, in a registry of its own (several gateways may share a process). */
import { bucketIndex } from '../common/buckets.js';
import { Counter, Gauge, Registry, collectDefaultMetrics, type CounterConfiguration, type Metric } from 'prom-client';

/**
 * A counter for the per-frame path: there a plain number goes up, and prom-client's counter takes it
 * when read (a scrape). prom-client's own `inc` hashes its labels on every call, which shows in a
 * delivery's CPU in small rooms.
 */
export class HotCounter {
  private n = 0;
  /** everything counted so far (for tests and conditions; the registry reads `n`) */
  total = 0;
  constructor(cfg: CounterConfiguration<string>) {
    const self = this;
    new Counter({ ...cfg, collect() { if (self.n > 0) { this.inc(self.n); self.n = 0; } } });
  }
  inc(by = 1): void { this.n += by; this.total += by; }
}

/**
 * A histogram without labels whose `observe` is a bucket search and three additions: prom-client's
 * turns each bucket bound into a property name on every call, which shows in a delivery's CPU. Read through the registry in the Prometheus text format like any other metric.
 */
export class HotHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;
  /** the counts at the last windowQuantile */
  private seen?: { counts: Float64Array; count: number };
  constructor(readonly name: string, readonly help: string, private readonly bounds: readonly number[], registry: Registry) {
    this.counts = new Float64Array(bounds.length);
    registry.registerMetric(this as unknown as Metric);
  }
  /**
   * the upper bound of the bucket holding the `q` quantile of what was observed since the last call
   * (`this.bounds`' unit; Infinity past the last bound, 0 with nothing observed): a windowed percentile
   * for the shedder, at the buckets' resolution
   */
  windowQuantile(q: number): number {
    const prev = (this.seen ??= { counts: new Float64Array(this.bounds.length), count: 0 });
    const n = this.count - prev.count;
    let acc = 0, at = Infinity;
    for (let i = 0; i < this.bounds.length; i++) {
      acc += this.counts[i] - prev.counts[i];
      if (at === Infinity && n > 0 && acc >= q * n) at = this.bounds[i];
    }
    prev.counts.set(this.counts);
    prev.count = this.count;
    return n > 0 ? at : 0;
  }
  observe(v: number): void {
    const i = bucketIndex(this.bounds, v);
    if (i < this.bounds.length) this.counts[i]++;
    this.sum += v;
    this.count++;
  }
  /** what prom-client's registry reads: cumulative buckets, +Inf, sum and count */
  async get() {
    let acc = 0;
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = this.bounds.map((le, i) =>
      ({ labels: { le }, value: (acc += this.counts[i]), metricName: `${this.name}_bucket` }));
    values.push({ labels: { le: '+Inf' }, value: this.count, metricName: `${this.name}_bucket` },
      { labels: {}, value: this.sum, metricName: `${this.name}_sum` }, { labels: {}, value: this.count, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
  reset(): void { this.counts.fill(0); this.sum = 0; this.count = 0; }
}

/** Creates the gateway's metrics. */
export function createMetrics(node: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ node });
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    connections: new Gauge({ name: 'bfg_connections', help: 'open WebSocket connections', registers: r }),
    clientAddresses: new Gauge({ name: 'bfg_client_addresses', help: 'distinct client addresses with an open connection (from the PROXY header with --proxy-protocol)', registers: r }),
    messagesIn: new HotCounter({ name: 'bfg_messages_in_total', help: 'client frames received', registers: r }),
    messagesOut: new HotCounter({ name: 'bfg_messages_out_total', help: 'frames written to clients', registers: r }),
    fanout: new HotCounter({ name: 'bfg_fanout_deliveries_total', help: 'msg frames delivered to room members (fan-out writes)', registers: r }),
    latency: new HotHistogram('bfg_delivery_latency_seconds', 'time from a send arriving at its gateway to its fan-out being queued on this node',
      [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registry),
    slowDrops: new Counter({ name: 'bfg_slow_consumer_drops_total', help: 'connections closed 4008 as slow consumers', registers: r }),
    rejected: new Counter({ name: 'bfg_rejected_connections_total', help: 'connections refused', labelNames: ['reason'], registers: r }),
    closes: new Counter({ name: 'bfg_closes_total', help: 'connections closed, by the close code the gateway saw (1006: no close frame)', labelNames: ['code'], registers: r }),
    ephemeral: new Counter({ name: 'bfg_ephemeral_in_total', help: 'typing and read events received, by kind and outcome (fanned: put on the bus; coalesced: typing within --typing-interval-ms; unchanged: a receipt that moved nothing)', labelNames: ['kind', 'outcome'], registers: r }),
    ephemeralOut: new HotCounter({ name: 'bfg_ephemeral_deliveries_total', help: 'typing and read events written to room members (fan-out writes)', registers: r }),
    shed: new Counter({ name: 'bfg_shed_total', help: 'work shed while overloaded, by kind (typing and read: events; history: HTTP reads refused)', labelNames: ['kind'], registers: r }),
    shedLevel: new Gauge({ name: 'bfg_shed_level', help: 'what is shed now: 0 nothing, 1 typing, 2 typing and receipts, 3 history reads too', registers: r }),
    errors: new Counter({ name: 'bfg_error_frames_total', help: 'error frames sent', labelNames: ['code'], registers: r }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
