/** Prometheus metrics of one gateway, in a registry of its own (several gateways may share a process). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Creates the gateway's metrics. */
export function createMetrics(node: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ node });
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    connections: new Gauge({ name: 'bfg_connections', help: 'open WebSocket connections', registers: r }),
    messagesIn: new Counter({ name: 'bfg_messages_in_total', help: 'client frames received', registers: r }),
    messagesOut: new Counter({ name: 'bfg_messages_out_total', help: 'frames written to clients', registers: r }),
    fanout: new Counter({ name: 'bfg_fanout_deliveries_total', help: 'msg frames delivered to room members (fan-out writes)', registers: r }),
    latency: new Histogram({
      name: 'bfg_delivery_latency_seconds', help: 'time from a send arriving at its gateway to its fan-out being queued on this node',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: r,
    }),
    slowDrops: new Counter({ name: 'bfg_slow_consumer_drops_total', help: 'connections closed 4008 as slow consumers', registers: r }),
    rejected: new Counter({ name: 'bfg_rejected_connections_total', help: 'connections refused', labelNames: ['reason'], registers: r }),
    closes: new Counter({ name: 'bfg_closes_total', help: 'connections closed, by the close code the gateway saw (1006: no close frame)', labelNames: ['code'], registers: r }),
    errors: new Counter({ name: 'bfg_error_frames_total', help: 'error frames sent', labelNames: ['code'], registers: r }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
