/**
 * An agent runs its share of virtual users on lean sockets. It wires the parts — a precise scheduler
 * (arrivals, sends, faults, timeline buckets), the dialer, the traffic, the faults, the measurements
 * and the ledger — receives every frame, and assembles its result.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { decodeServerFrame, encodeFrame, type ClientFrame, type ServerFrame } from '../../protocol/index.js';
import { LeanSocket, type LeanHandler } from '../client/lean-socket.js';
import { fastMsg } from '../client/fast-msg.js';
import { nowMs } from '../measure/clock.js';
import { Ledger } from '../measure/ledger.js';
import { Measurements } from '../measure/measurements.js';
import { backfill } from './backfill.js';
import { Dialer } from './dialer.js';
import { offline, slow, storm } from './faults.js';
import { roomOf, userOf, type AgentPlan } from './plan.js';
import { emptyStats, type AgentResult, type TimePoint } from './result.js';
import { Scheduler, gapMs } from './scheduler.js';
import { Traffic } from './traffic.js';
import { agentTrust } from './trust.js';
import { Vu } from './vu.js';

export class Agent implements LeanHandler {
  readonly vus: Vu[] = [];
  readonly ledger = new Ledger();
  readonly stats = emptyStats();
  readonly m: Measurements;
  /** highest seq acked per room */
  readonly heads = new Map<string, number>();
  /** rooms this agent sent to: only these (and rooms with gaps) need a backfill read */
  readonly sentRooms = new Set<string>();
  private readonly traffic: Traffic;
  private readonly dialer: Dialer;
  private readonly sched = new Scheduler();
  private received = 0;
  private connected = 0;
  private rejected = 0;
  private stopped = false;
  private endTraffic: () => void = () => {};

  constructor(readonly plan: AgentPlan, readonly onProgress: (p: TimePoint) => void = () => {}) {
    this.m = new Measurements(plan.t0, plan.scenario.timeline_ms);
    for (let id = plan.first; id < plan.end; id++) {
      const room = roomOf(plan, id);
      this.vus.push(new Vu(id, userOf(plan, id), room, this.m.spread(room)));
    }
    this.traffic = new Traffic(this);
    this.dialer = new Dialer(plan, this, () => this.stopped);
  }

  /** ends the traffic now (a coordinator aborting the run); the drain, backfill and result follow */
  abort(): void {
    this.endTraffic();
  }

  /** runs the whole scenario and resolves with this agent's result */
  async run(): Promise<AgentResult> {
    const s = this.plan.scenario, t0 = this.plan.t0;
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    const at = (sec: number) => t0 + sec * 1000;
    // RSS per socket is marginal: from when a tenth of the sockets are open to the end of traffic
    let mark: [number, number] | undefined;
    let rssPerSocket: number | undefined;
    const ports = { plan: this.plan, vus: this.vus, stats: this.stats, connect: (vu: Vu) => this.dialer.connect(vu) };
    // kill-node storms are the coordinator's: it holds the gateway processes
    if (s.storm.drop_pct > 0 && s.storm.method !== 'kill-node') this.sched.once(at(s.storm.at_s), () => storm(ports));
    if (s.offline.pct > 0) this.sched.once(at(s.offline.at_s), () => offline(ports));
    if (s.slow.pct > 0) this.sched.once(at(s.slow.at_s), () => slow(ports));
    for (const t of this.traffic.tasks()) this.sched.add(t);
    const share = (s.arrival_rate * this.vus.length) / s.users;
    let arrived = 0;
    const dialer = this.dialer, vus = this.vus;
    this.sched.add({
      next: t0 + gapMs('uniform', share),
      fire() {
        dialer.connect(vus[arrived++]);
        this.next = arrived < vus.length ? this.next + gapMs(s.process, share) : Infinity;
      },
    });
    const bucketMs = s.timeline_ms;
    const perProgress = Math.max(1, Math.round(1000 / bucketMs));
    let buckets = 0;
    // a bucket is named by its scheduled end, not by when a busy agent got round to it: every agent's
    // bucket k then merges with every other's bucket k
    const sample = (t: number) => {
      const p = this.m.sample(t, this.counters());
      if (++buckets % perProgress === 0) this.onProgress({ ...p, live: this.live() });
      if (!mark && this.connected >= this.vus.length / 10) mark = [this.connected, process.memoryUsage().rss];
    };
    const sampler = { next: t0 + bucketMs, fire() { sample(this.next); this.next += bucketMs; } };
    this.sched.add(sampler);
    await new Promise<void>((resolve) => {
      this.endTraffic = () => {
        this.endTraffic = () => {};
        if (mark && this.connected > mark[0]) rssPerSocket = (process.memoryUsage().rss - mark[1]) / (this.connected - mark[0]);
        resolve();
      };
      this.sched.once(at(s.duration_s), () => this.endTraffic());
    });
    await new Promise((r) => setTimeout(r, s.drain_s * 1000));
    this.stopped = true;
    const spinMs = this.sched.spinMs;
    this.sched.stop();
    sample(sampler.next); // the bucket in progress, named by its scheduled end like every other
    this.m.flush();
    await backfill(this);
    for (const vu of this.vus) vu.sock?.close();
    // the close handshake, bounded: the gateway then sees clean closes (1000), not dropped sockets (1006)
    for (const end = Date.now() + 2000; this.connected > 0 && Date.now() < end;) await new Promise((r) => setTimeout(r, 10));
    loop.disable();
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - wall0;
    const trust = agentTrust(this.plan.agent, { p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 },
      ((cpu.user + cpu.system) / 1000 / wall) * 100, (spinMs / wall) * 100, (cpu.user + cpu.system) / 1e6);
    const hists = this.m.encode();
    this.m.destroy();
    return {
      agent: this.plan.agent, users: this.vus.length, counts: this.ledger.counts, stats: this.stats, hists,
      timeline: this.m.timeline, rss_bytes: process.memoryUsage().rss, rss_per_socket_bytes: rssPerSocket, received: this.received, trust,
    };
  }

  /** what the live metrics need, cumulative: sent with each progress point (no per-message traffic) */
  private live(): NonNullable<TimePoint['live']> {
    const c = this.ledger.counts;
    return {
      connects: this.stats.connects, acked: this.stats.acked, delivered: c.delivered, lost: this.ledger.missingNow,
      duplicated: c.duplicated, reordered: c.reordered, ...this.m.prom(),
    };
  }

  private counters() {
    const arriving = this.dialer.arriving;
    this.dialer.arriving = 0;
    return {
      connected: this.connected, sent: this.stats.sent, received: this.received, reconnects: this.stats.reconnects,
      connect_errors: this.stats.connect_errors, rejected: this.rejected, arriving,
    };
  }

  vuOf(s: LeanSocket): Vu {
    return this.vus[s.owner - this.plan.first];
  }

  send(vu: Vu, f: ClientFrame): void {
    const fmt = this.plan.scenario.format;
    vu.sock?.send(encodeFrame(f, fmt), fmt === 'msgpack');
  }

  // ---- LeanHandler: what the sockets report ----

  /** largest message a socket reassembles */
  get maxMessageBytes(): number {
    return this.plan.scenario.max_message_bytes;
  }

  open(s: LeanSocket): void {
    const vu = this.vuOf(s);
    if (vu.sock !== s) return;
    vu.state = 'open';
    vu.isOpen = true;
    this.connected++;
    this.stats.connects++;
    if (vu.everOpened) this.stats.reconnects++;
    vu.everOpened = true;
    vu.attempts = 0;
    this.stats.peak_connections = Math.max(this.stats.peak_connections, this.connected);
    if (!vu.main) this.send(vu, { op: 'join', room: vu.room });
    for (const [room, t] of vu.tracks()) this.send(vu, { op: 'join', room, after: t.last, epoch: t.epoch || undefined });
  }

  frame(s: LeanSocket, payload: Buffer, binary: boolean): void {
    const vu = this.vuOf(s);
    const fast = binary ? undefined : fastMsg(payload, vu.room);
    if (fast) return this.onMsg(vu, fast.room, fast.seq, fast.t, fast.i);
    let f: ServerFrame;
    try {
      f = decodeServerFrame(payload, this.plan.scenario.format);
    } catch {
      this.stats.errors.undecodable = (this.stats.errors.undecodable ?? 0) + 1;
      return;
    }
    switch (f.op) {
      case 'msg': {
        const meta = f.meta as { t?: unknown; i?: unknown } | undefined;
        return this.onMsg(vu, f.room, f.seq, typeof meta?.t === 'number' ? meta.t : undefined, typeof meta?.i === 'number' ? meta.i : undefined);
      }
      case 'ack': return this.traffic.acked(vu, f.id, f.seq);
      case 'joined': {
        const first = !vu.has(f.room);
        const t = vu.track(f.room, f.head);
        if (!first && t.epoch && t.epoch !== f.epoch) this.stats.errors.epoch_changed = (this.stats.errors.epoch_changed ?? 0) + 1;
        t.epoch = f.epoch;
        if (!first) t.replayUntil = f.recovered ? f.head : t.last;
        if (f.room === vu.room) vu.joined = true;
        return;
      }
      case 'error':
        this.stats.errors[f.code] = (this.stats.errors[f.code] ?? 0) + 1;
        if (f.ref && f.ref.includes(':')) this.traffic.failed(f.ref);
        return;
      default:
        return;
    }
  }

  /** a delivery: into the ledger, and (fresh, stamped) into the latency histograms, timed at its socket read */
  private onMsg(vu: Vu, room: string, seq: number, sentAt: number | undefined, intended: number | undefined): void {
    this.received++;
    const t = vu.track(room, seq - 1);
    const replay = seq <= t.replayUntil;
    const fresh = this.ledger.receive(t, seq, replay);
    if (!fresh || replay || sentAt === undefined) return;
    const arrival = LeanSocket.readAt;
    const lat = arrival - sentAt;
    this.m.delivered(lat, intended === undefined ? undefined : arrival - intended);
    // first/last recipient is a group-room figure: DMs have one recipient
    if (room === vu.room) vu.spread.record(seq, lat);
  }

  /** the time from a read's timestamp to the end of handling its bytes */
  afterRead(readAt: number): void {
    this.m.processed(nowMs() - readAt);
  }

  /** a server frame broke RFC 6455: the socket closed itself with `code`; counted by code */
  protocolError(_s: LeanSocket, code: number): void {
    const k = `ws_protocol_${code}`;
    this.stats.errors[k] = (this.stats.errors[k] ?? 0) + 1;
  }

  close(s: LeanSocket, code: number): void {
    const vu = this.vuOf(s);
    if (vu.sock !== s) return;
    vu.sock = null;
    const wasOpen = vu.isOpen;
    vu.isOpen = false;
    this.stats.closes[code] = (this.stats.closes[code] ?? 0) + 1;
    if (code === 4008) this.stats.slow_closed++;
    if (code === 1013) this.rejected++;
    if (wasOpen) this.connected--;
    else if (!vu.everOpened || vu.state === 'connecting') this.stats.connect_errors++;
    if (vu.state === 'offline' || this.stopped) return;
    this.dialer.retry(vu);
  }
}
