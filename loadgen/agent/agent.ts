/**
 * An agent runs its share of virtual users on lean sockets. This file wires the parts — the users
 * and their rooms (population), the sockets and redials (connections), the protocol adapter and the
 * sink it reports to (deliveries), the traffic, the scheduler and the measurements — and hands them
 * to the run (lifecycle).
 */
import { Ledger } from '../measure/ledger.js';
import { Measurements } from '../measure/measurements.js';
import { StampLedger } from '../measure/stamp-ledger.js';
import { adapterFor, type Adapter } from '../protocols/index.js';
import { Connections } from './connections.js';
import { Deliveries } from './deliveries.js';
import { Dialer } from './dialer.js';
import { runAgent, type RunParts } from './lifecycle.js';
import type { AgentPlan } from './plan.js';
import { populate } from './population.js';
import { emptyStats, type AgentResult, type TimePoint } from './result.js';
import { Scheduler } from './scheduler.js';
import { Traffic } from './traffic.js';
import { youngCollector } from './young-gc.js';
import type { Vu } from './vu.js';

export class Agent implements RunParts {
  readonly vus: Vu[];
  /** each group room's members on this agent */
  readonly rooms: Map<string, Vu[]>;
  readonly ledger = new Ledger();
  readonly stats = emptyStats();
  readonly m: Measurements;
  /** highest seq acked per room */
  readonly heads = new Map<string, number>();
  /** rooms this agent sent to: only these (and rooms with gaps) need a backfill read */
  readonly sentRooms = new Set<string>();
  /** the gateway's protocol: frames out, events in */
  readonly proto: Adapter;
  /** protocols without server seqs: per (sender, receiver) counters over the joined interval */
  readonly stamps: StampLedger | null;
  readonly sched = new Scheduler({ collect: youngCollector() });
  readonly sockets: Connections;
  readonly deliveries: Deliveries;
  readonly traffic: Traffic;
  readonly dialer: Dialer;
  /** messages meant to be sent before this instant are warm-up: no latency or send-lag sample */
  readonly measureFrom: number;
  private end: () => void = () => {};

  constructor(readonly plan: AgentPlan, readonly onProgress: (p: TimePoint) => void = () => {}) {
    this.m = new Measurements(plan.t0, plan.scenario.timeline_ms);
    ({ vus: this.vus, rooms: this.rooms } = populate(plan, (room) => this.m.spread(room)));
    const s = plan.scenario;
    const measureFrom = (this.measureFrom = s.warmup_s > 0 ? plan.t0 + ((s.send_after_s ?? s.users / s.arrival_rate) + s.warmup_s) * 1000 : 0);
    this.deliveries = new Deliveries({ plan, vus: this.vus, ledger: this.ledger, stats: this.stats, m: this.m, measureFrom });
    this.proto = adapterFor(plan.scenario, this.deliveries);
    this.stamps = this.proto.guarantees.seq ? null : new StampLedger(this.ledger.counts);
    this.traffic = new Traffic(this);
    this.sockets = new Connections(this);
    this.dialer = new Dialer(plan, this.sockets, this.proto, () => this.sockets.stopped);
    Object.assign(this.deliveries, { proto: this.proto, stamps: this.stamps, traffic: this.traffic });
    Object.assign(this.sockets, { proto: this.proto, stamps: this.stamps, dialer: this.dialer });
  }

  /** ends the traffic now (a coordinator aborting the run); the drain, backfill and result follow */
  abort(): void {
    this.end();
  }

  /** runs the whole scenario and resolves with this agent's result */
  run(): Promise<AgentResult> {
    return runAgent(this, this.onProgress, (end) => (this.end = end));
  }

  /** what the live metrics need, cumulative: sent with each progress point (no per-message traffic) */
  live(): NonNullable<TimePoint['live']> {
    const c = this.ledger.counts;
    return {
      connects: this.stats.connects, acked: this.stats.acked, delivered: c.delivered, lost: (this.stamps ?? this.ledger).missingNow,
      duplicated: c.duplicated, reordered: c.reordered, ...this.m.prom(),
    };
  }

  /** the timeline's counters for the bucket that ends now */
  counters() {
    const arriving = this.dialer.arriving;
    this.dialer.arriving = 0;
    const k = this.sockets;
    return {
      connected: k.connected, sent: this.stats.sent, received: this.deliveries.received, reconnects: this.stats.reconnects,
      connect_errors: this.stats.connect_errors, rejected: k.rejected, arriving,
    };
  }
}
