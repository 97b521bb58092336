/**
 * The agent's protocol sink: what an adapter parses out of the frames (sessions up, joins, acks,
 * messages, errors) goes into the ledger, the stamp ledger and the latency histograms, timed at the
 * socket read that carried it.
 */
import type { Ledger } from '../measure/ledger.js';
import type { Measurements } from '../measure/measurements.js';
import type { StampLedger } from '../measure/stamp-ledger.js';
import type { Adapter, ProtocolSink, Stamp } from '../protocols/index.js';
import { nowMs } from '../measure/clock.js';
import type { AgentPlan } from './plan.js';
import type { AgentStats } from './result.js';
import type { Traffic } from './traffic.js';
import type { Vu } from './vu.js';

/** the longest a drain frame may hold a redial back: a server cannot park the generator's users */
const DRAIN_WAIT_MAX_MS = 30_000;

/** What the deliveries need from the agent. */
export interface DeliveryPorts {
  readonly plan: AgentPlan;
  readonly vus: readonly Vu[];
  readonly ledger: Ledger;
  readonly stats: AgentStats;
  readonly m: Measurements;
  /** messages meant to be sent before this instant are warm-up: no latency sample */
  readonly measureFrom: number;
}

export class Deliveries implements ProtocolSink {
  /** frames that carried a message, counted for the timeline */
  received = 0;
  /** set once the adapter exists (it is built with this sink) */
  proto!: Adapter;
  stamps: StampLedger | null = null;
  traffic!: Traffic;

  /** per user class, its read receipts (undefined: none) */
  private readonly receipts: ({ delay_ms: number } | undefined)[];

  constructor(private readonly p: DeliveryPorts) {
    this.receipts = (p.plan.scenario.classes ?? []).map((c) => c.read_receipts);
  }

  private sender(id: number): Vu | undefined {
    return this.p.vus[id - this.p.plan.first];
  }

  write(vu: Vu, data: Buffer, binary: boolean): void {
    vu.sock?.send(data, binary);
  }

  ready(vu: Vu, recovered?: boolean): void {
    const now = nowMs();
    // the first ready of this connection closes its protocol handshake
    if (vu.readyAt < vu.openedAt) this.p.m.handshook(now - vu.openedAt);
    vu.readyAt = now;
    if (!this.stamps) {
      if (!vu.main) this.proto.join(vu, vu.room);
      for (const room of vu.extra ?? []) if (!vu.has(room)) this.proto.join(vu, room);
      for (const [room, t] of vu.tracks()) this.proto.join(vu, room, t.last, t.epoch);
      return;
    }
    const stats = this.p.stats;
    if (recovered !== undefined) {
      const k = recovered ? 'recovered_sessions' : 'unrecovered_sessions';
      stats[k] = (stats[k] ?? 0) + 1;
    }
    // a recovered session keeps its rooms and its interval; anything else starts both again
    if (recovered) return void (vu.joined = true);
    this.stamps.interrupt(vu, (id) => this.sender(id));
    this.stamps.joined(vu, NaN);
    this.proto.join(vu, vu.room);
    // without server seqs a sender need not wait for its own join to be confirmed
    vu.joined = true;
  }

  joined(vu: Vu, room: string, at: number, head?: number, epoch?: string, recovered?: boolean): void {
    if (this.stamps) {
      if (room === vu.room) this.stamps.joined(vu, at);
      return;
    }
    const first = !vu.has(room);
    const t = vu.track(room, head ?? 0);
    const errors = this.p.stats.errors;
    if (!first && t.epoch && t.epoch !== epoch) errors.epoch_changed = (errors.epoch_changed ?? 0) + 1;
    t.epoch = epoch ?? '';
    if (!first) t.replayUntil = recovered ? head ?? 0 : t.last;
    if (room === vu.room) vu.joined = true;
  }

  acked(vu: Vu, id: string, seq?: number): void {
    this.traffic.acked(vu, id, seq);
  }

  message(vu: Vu, room: string, seq: number | undefined, stamp: Stamp | undefined, at: number): void {
    if (seq !== undefined) return this.sequenced(vu, room, seq, stamp?.t, stamp?.i, at);
    this.received++;
    const { stats, ledger, m, measureFrom } = this.p;
    if (!stamp || room !== vu.room) return void (stats.errors.foreign = (stats.errors.foreign ?? 0) + 1);
    const sender = this.sender(stamp.s);
    if (sender === vu) stats.echoes = (stats.echoes ?? 0) + 1;
    if (!this.stamps!.receive(vu, sender?.room === room ? sender : undefined, stamp.n, at)) return;
    // sent before this connection's session came up: a replay (recovery), not a latency sample
    if (stamp.t < vu.readyAt) return void ledger.counts.recovered++;
    if (stamp.i < measureFrom) return;
    const lat = at - stamp.t;
    m.delivered(lat, at - stamp.i);
    vu.spread.record(stamp.k, lat);
  }

  /** a delivery with a server seq: into the ledger, and (fresh, stamped) into the latency histograms */
  private sequenced(vu: Vu, room: string, seq: number, sentAt: number | undefined, intended: number | undefined, at: number): void {
    this.received++;
    const t = vu.track(room, seq - 1);
    const replay = seq <= t.replayUntil;
    const fresh = this.p.ledger.receive(t, seq, replay);
    if (fresh && this.receipts[vu.cls]) this.traffic.unread(vu, room, this.receipts[vu.cls]!.delay_ms, at);
    if (!fresh || replay || sentAt === undefined || (intended ?? sentAt) < this.p.measureFrom) return;
    const lat = at - sentAt;
    this.p.m.delivered(lat, intended === undefined ? undefined : at - intended);
    // first/last recipient is a group-room figure: DMs have one recipient
    if (room === vu.room) vu.spread.record(seq, lat);
    else if (vu.extra?.includes(room)) this.p.m.spread(room).record(seq, lat);
  }

  error(_vu: Vu, code: string, ref?: string): void {
    const errors = this.p.stats.errors;
    errors[code] = (errors[code] ?? 0) + 1;
    if (ref && ref.includes(':')) this.traffic.failed(ref);
  }

  ephemeral(_vu: Vu, kind: 'typing' | 'read', ts: number, at: number): void {
    const got = (this.p.stats.ephemeral_received ??= { typing: 0, read: 0 });
    got[kind]++;
    if (at >= this.p.measureFrom) this.p.m.ephemeral(kind, Math.max(0, at - ts));
  }

  drain(vu: Vu, retryAfterMs: number): void {
    vu.retryAfterMs = Math.max(0, Math.min(retryAfterMs, DRAIN_WAIT_MAX_MS));
  }

  undecodable(): void {
    const errors = this.p.stats.errors;
    errors.undecodable = (errors.undecodable ?? 0) + 1;
  }

  /** closes every receiver's stamp interval at the end: open ones expect all their senders wrote */
  settleStamps(): void {
    const stamps = this.stamps!;
    const byRoom = new Map<string, Vu[]>();
    for (const vu of this.p.vus) (byRoom.get(vu.room) ?? byRoom.set(vu.room, []).get(vu.room)!).push(vu);
    const sender = (id: number) => this.sender(id)!;
    for (const vu of this.p.vus) {
      if (vu.isOpen) stamps.close(vu, byRoom.get(vu.room)!, sender);
      else stamps.interrupt(vu, sender);
    }
  }
}
