/**
 * An agent runs its share of virtual users on lean sockets. It wires the parts — a precise scheduler
 * (arrivals, sends, faults, timeline buckets), the dialer, the traffic, the faults, the measurements
 * and the ledger — receives every frame, and assembles its result.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LeanSocket, type LeanHandler } from '../client/lean-socket.js';
import { nowMs } from '../measure/clock.js';
import { Ledger } from '../measure/ledger.js';
import { StampLedger } from '../measure/stamp-ledger.js';
import { adapterFor, type Adapter, type ProtocolSink, type Stamp } from '../protocols/index.js';
import { Measurements } from '../measure/measurements.js';
import { backfill } from './backfill.js';
import { Dialer } from './dialer.js';
import { offline, slow, storm } from './faults.js';
import { roomOf, userOf, type AgentPlan } from './plan.js';
import { emptyStats, type AgentResult, type TimePoint } from './result.js';
import { Scheduler } from './scheduler.js';
import { arrivals } from './arrivals.js';
import { assignClasses, buildRooms, isMix, sizeMixOf } from './mix.js';
import { Traffic } from './traffic.js';
import { agentTrust } from './trust.js';
import { Vu } from './vu.js';

export class Agent implements LeanHandler, ProtocolSink {
  readonly vus: Vu[] = [];
  readonly ledger = new Ledger();
  readonly stats = emptyStats();
  readonly m: Measurements;
  /** highest seq acked per room */
  readonly heads = new Map<string, number>();
  /** rooms this agent sent to: only these (and rooms with gaps) need a backfill read */
  readonly sentRooms = new Set<string>();
  /** each group room's members on this agent */
  readonly rooms = new Map<string, Vu[]>();
  /** the gateway's protocol: frames out, events in */
  readonly proto: Adapter;
  /** protocols without server seqs: per (sender, receiver) counters over the joined interval */
  readonly stamps: StampLedger | null;
  private readonly traffic: Traffic;
  private readonly dialer: Dialer;
  private readonly sched = new Scheduler();
  /** messages meant to be sent before this instant are warm-up: no latency sample */
  private readonly measureFrom: number;
  private received = 0;
  private connected = 0;
  private rejected = 0;
  private stopped = false;
  private endTraffic: () => void = () => {};

  constructor(readonly plan: AgentPlan, readonly onProgress: (p: TimePoint) => void = () => {}) {
    this.m = new Measurements(plan.t0, plan.scenario.timeline_ms);
    const s = plan.scenario;
    this.measureFrom = s.warmup_s > 0 ? plan.t0 + ((s.send_after_s ?? s.users / s.arrival_rate) + s.warmup_s) * 1000 : 0;
    if (isMix(s)) this.buildMix();
    else {
      for (let id = plan.first; id < plan.end; id++) {
        const room = roomOf(plan, id);
        this.vus.push(new Vu(id, userOf(plan, id), room, this.m.spread(room)));
      }
    }
    for (const vu of this.vus) {
      for (const room of [vu.room, ...(vu.extra ?? [])]) (this.rooms.get(room) ?? this.rooms.set(room, []).get(room)!).push(vu);
    }
    this.proto = adapterFor(plan.scenario, this);
    this.stamps = this.proto.guarantees.seq ? null : new StampLedger(this.ledger.counts, this.proto.echo);
    this.traffic = new Traffic(this);
    this.dialer = new Dialer(plan, this, this.proto, () => this.stopped);
  }

  /** rooms drawn from the scenario's mix, over this agent's users only (rooms never span agents) */
  private buildMix(): void {
    const plan = this.plan, s = plan.scenario;
    const seed = (parseInt(plan.run, 16) || 1) ^ Math.imul(plan.first + 1, 0x9e3779b1);
    const { members, of } = buildRooms(plan.first, plan.end, sizeMixOf(s), s.rooms.per_user, seed);
    const names = members.map((_, r) => `${plan.run}-m${plan.first}-${r}`);
    const cls = s.classes ? assignClasses(plan.first, plan.end, s.classes, seed) : undefined;
    for (let id = plan.first; id < plan.end; id++) {
      const mine = of[id - plan.first];
      // a user the deal left without a room (a seat short at the end) is alone in one
      const main = mine.length ? names[mine[0]] : `${plan.run}-solo${id}`;
      const vu = new Vu(id, userOf(plan, id), main, this.m.spread(main));
      if (mine.length > 1) vu.extra = mine.slice(1).map((r) => names[r]);
      if (cls) vu.cls = cls[id - plan.first];
      this.vus.push(vu);
    }
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
    const sends = this.traffic.tasks();
    for (const t of sends) this.sched.add(t);
    this.sched.add(arrivals({ plan: this.plan, vus: this.vus, connect: (vu: Vu) => this.dialer.connect(vu) }));
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
    // precise, not coarse, though a bucket's name places it, when there is traffic: spinning out the
    // last 2 ms before each bucket costs an idle agent up to 2% of a core, but keeps it awake, and with it
    // coarse the send-lag tail on a 2-core VM grew enough to mark a run untrusted about one time in five
    // (bfg find's knee test). An agent with nothing to send has no send to keep on time: coarse then.
    // `first`: a bucket ending when a storm (or any fault) is due holds the state before it
    const sampler = { next: t0 + bucketMs, first: true, coarse: sends.length === 0, fire() { sample(this.next); this.next += bucketMs; } };
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
    if (this.proto.guarantees.history) await backfill(this);
    else this.settleStamps();
    for (const vu of this.vus) vu.sock?.close();
    // the close handshake, bounded: the gateway then sees clean closes (1000), not dropped sockets (1006)
    for (const end = Date.now() + 2000; this.connected > 0 && Date.now() < end;) await new Promise((r) => setTimeout(r, 10));
    // what did not close in time is dropped: no read may reach the histograms once they are freed
    for (const vu of this.vus) vu.sock?.destroy();
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
      connects: this.stats.connects, acked: this.stats.acked, delivered: c.delivered, lost: (this.stamps ?? this.ledger).missingNow,
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

  /** closes every receiver's stamp interval: open ones expect all their senders wrote */
  private settleStamps(): void {
    const stamps = this.stamps!;
    const byRoom = new Map<string, Vu[]>();
    for (const vu of this.vus) (byRoom.get(vu.room) ?? byRoom.set(vu.room, []).get(vu.room)!).push(vu);
    const sender = (id: number) => this.vus[id - this.plan.first];
    for (const vu of this.vus) {
      if (vu.isOpen) stamps.close(vu, byRoom.get(vu.room)!, sender);
      else stamps.interrupt(vu, sender);
    }
  }

  // ---- ProtocolSink: what the adapter parses out of the frames ----

  write(vu: Vu, data: Buffer, binary: boolean): void {
    vu.sock?.send(data, binary);
  }

  ready(vu: Vu, recovered?: boolean): void {
    vu.readyAt = nowMs();
    if (!this.stamps) {
      if (!vu.main) this.proto.join(vu, vu.room);
      for (const room of vu.extra ?? []) if (!vu.has(room)) this.proto.join(vu, room);
      for (const [room, t] of vu.tracks()) this.proto.join(vu, room, t.last, t.epoch);
      return;
    }
    if (recovered !== undefined) {
      const k = recovered ? 'recovered_sessions' : 'unrecovered_sessions';
      this.stats[k] = (this.stats[k] ?? 0) + 1;
    }
    // a recovered session keeps its rooms and its interval; anything else starts both again
    if (recovered) return void (vu.joined = true);
    this.stamps.interrupt(vu, (id) => this.vus[id - this.plan.first]);
    this.stamps.joined(vu, NaN);
    this.proto.join(vu, vu.room);
    // without server seqs a sender need not wait for its own join to be confirmed
    vu.joined = true;
  }

  joined(vu: Vu, room: string, head?: number, epoch?: string, recovered?: boolean): void {
    if (this.stamps) {
      if (room === vu.room) this.stamps.joined(vu, LeanSocket.readAt);
      return;
    }
    const first = !vu.has(room);
    const t = vu.track(room, head ?? 0);
    if (!first && t.epoch && t.epoch !== epoch) this.stats.errors.epoch_changed = (this.stats.errors.epoch_changed ?? 0) + 1;
    t.epoch = epoch ?? '';
    if (!first) t.replayUntil = recovered ? head ?? 0 : t.last;
    if (room === vu.room) vu.joined = true;
  }

  acked(vu: Vu, id: string, seq?: number): void {
    this.traffic.acked(vu, id, seq);
  }

  message(vu: Vu, room: string, seq: number | undefined, stamp: Stamp | undefined): void {
    if (seq !== undefined) return this.onMsg(vu, room, seq, stamp?.t, stamp?.i);
    this.received++;
    if (!stamp || room !== vu.room) return void (this.stats.errors.foreign = (this.stats.errors.foreign ?? 0) + 1);
    const arrival = LeanSocket.readAt;
    const sender = this.vus[stamp.s - this.plan.first];
    if (!this.stamps!.receive(vu, sender?.room === room ? sender : undefined, stamp.n, arrival)) return;
    // sent before this connection's session came up: a replay (recovery), not a latency sample
    if (stamp.t < vu.readyAt) return void this.ledger.counts.recovered++;
    if (stamp.i < this.measureFrom) return;
    const lat = arrival - stamp.t;
    this.m.delivered(lat, arrival - stamp.i);
    vu.spread.record(stamp.k, lat);
  }

  error(vu: Vu, code: string, ref?: string): void {
    this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
    if (ref && ref.includes(':')) this.traffic.failed(ref);
  }

  undecodable(): void {
    this.stats.errors.undecodable = (this.stats.errors.undecodable ?? 0) + 1;
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
    this.proto.opened(vu);
  }

  frame(s: LeanSocket, payload: Buffer, binary: boolean): void {
    this.proto.frame(this.vuOf(s), payload, binary);
  }

  /** a delivery: into the ledger, and (fresh, stamped) into the latency histograms, timed at its socket read */
  private onMsg(vu: Vu, room: string, seq: number, sentAt: number | undefined, intended: number | undefined): void {
    this.received++;
    const t = vu.track(room, seq - 1);
    const replay = seq <= t.replayUntil;
    const fresh = this.ledger.receive(t, seq, replay);
    if (!fresh || replay || sentAt === undefined || (intended ?? sentAt) < this.measureFrom) return;
    const arrival = LeanSocket.readAt;
    const lat = arrival - sentAt;
    this.m.delivered(lat, intended === undefined ? undefined : arrival - intended);
    // first/last recipient is a group-room figure: DMs have one recipient
    if (room === vu.room) vu.spread.record(seq, lat);
    else if (vu.extra?.includes(room)) this.m.spread(room).record(seq, lat);
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

  close(s: LeanSocket, code: number, reason: string): void {
    const vu = this.vuOf(s);
    if (vu.sock !== s) return;
    vu.sock = null;
    const wasOpen = vu.isOpen;
    vu.isOpen = false;
    this.stats.closes[code] = (this.stats.closes[code] ?? 0) + 1;
    if (code === 4008) this.stats.slow_closed++;
    if (code === 1013) this.rejected++;
    if (wasOpen) this.connected--;
    this.proto.closed(vu);
    if (this.stamps) {
      // unacknowledged writes of a dropped sender may never have reached the server: not expected
      for (let n = vu.ackedN + 1; vu.ackedN > 0 && n <= vu.sentN; n++) this.stamps.uncertain(vu, n);
      if (!this.proto.guarantees.recovery) this.stamps.interrupt(vu, (id) => this.vus[id - this.plan.first]);
    }
    if (!vu.everOpened || vu.state === 'connecting') {
      this.stats.connect_errors++;
      // by cause (ECONNRESET, ECONNREFUSED, ETIMEDOUT, an HTTP status, a close code…), so a failed ramp says why
      const k = `connect_${/\bE[A-Z]+\b/.exec(reason)?.[0] ?? /HTTP (\d{3})/.exec(reason)?.[0].replace(' ', '_') ?? code}`;
      this.stats.errors[k] = (this.stats.errors[k] ?? 0) + 1;
    }
    if (vu.state === 'offline' || vu.state === 'retired' || this.stopped) return;
    this.dialer.retry(vu);
  }
}
