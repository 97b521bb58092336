/**
 * An agent runs its share of virtual users on lean sockets: arrivals and sends on schedule (open
 * model), every received msg through the ledger and the latency histograms, drops, offline periods,
 * slow readers and reconnects as the scenario says, then a backfill and its result.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { decodeServerFrame, encodeFrame, signToken, type ClientFrame, type ServerFrame } from '../../protocol/index.js';
import { LeanSocket, type LeanHandler } from '../client/lean-socket.js';
import { fastMsg } from '../client/fast-msg.js';
import { Spread } from '../measure/spread.js';
import { Ledger } from '../measure/ledger.js';
import { encodeHist, newHist } from '../measure/histogram.js';
import { backfill } from './backfill.js';
import { backoffMs } from './backoff.js';
import { roomOf, userOf, type AgentPlan } from './plan.js';
import { emptyStats, type AgentResult, type TimePoint } from './result.js';
import { Traffic } from './traffic.js';
import { Vu } from './vu.js';

const TICK_MS = 5;
const now = () => performance.timeOrigin + performance.now();

export class Agent implements LeanHandler {
  readonly vus: Vu[] = [];
  readonly ledger = new Ledger();
  readonly stats = emptyStats();
  readonly hists = { every: newHist(true), first: newHist(true), last: newHist(true) };
  /** this second's latencies, for the latency-over-time chart */
  private readonly second = newHist(true);
  /** first- and last-recipient latency, one ring per group room */
  private readonly spreads = new Map<string, Spread>();
  readonly timeline: TimePoint[] = [];
  /** highest seq acked per room */
  readonly heads = new Map<string, number>();
  /** rooms this agent sent to: only these (and rooms with gaps) need a backfill read */
  readonly sentRooms = new Set<string>();
  private readonly traffic: Traffic;
  private arrived = 0;
  private received = 0;
  private connected = 0;
  private arriving = 0;
  private stopped = false;
  private readonly tokens = new Map<number, string>();
  private events: { at: number; fn: () => void }[] = [];
  private stopAt = Infinity;

  /** largest message a socket reassembles (LeanHandler) */
  get maxMessageBytes(): number {
    return this.plan.scenario.max_message_bytes;
  }

  /** a server frame broke RFC 6455: the socket closed itself with `code`; counted by code */
  protocolError(_s: LeanSocket, code: number): void {
    const k = `ws_protocol_${code}`;
    this.stats.errors[k] = (this.stats.errors[k] ?? 0) + 1;
  }

  /** ends the traffic now (a coordinator aborting the run); the drain, backfill and result follow */
  abort(): void {
    this.stopAt = 0;
  }

  constructor(readonly plan: AgentPlan, readonly onProgress: (p: TimePoint) => void = () => {}) {
    for (let id = plan.first; id < plan.end; id++) {
      const room = roomOf(plan, id);
      let sp = this.spreads.get(room);
      if (!sp) this.spreads.set(room, (sp = new Spread(this.hists.first, this.hists.last)));
      this.vus.push(new Vu(id, userOf(plan, id), room, sp));
    }
    this.traffic = new Traffic(this);
    const s = plan.scenario;
    // kill-node storms are the coordinator's: it holds the gateway processes
    if (s.storm.drop_pct > 0 && s.storm.method !== 'kill-node') this.at(s.storm.at_s, () => this.storm());
    if (s.offline.pct > 0) this.at(s.offline.at_s, () => this.offline());
    if (s.slow.pct > 0) this.at(s.slow.at_s, () => this.slow());
  }

  private at(seconds: number, fn: () => void): void {
    this.events.push({ at: this.plan.t0 + seconds * 1000, fn });
  }

  /** runs the whole scenario and resolves with this agent's result */
  async run(): Promise<AgentResult> {
    const s = this.plan.scenario;
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    const endAt = this.plan.t0 + s.duration_s * 1000;
    this.stopAt = endAt;
    // RSS per socket is marginal: from when a tenth of the sockets are open to the end of traffic, so
    // the process's fixed costs (code, heap reserve) are not charged to each socket
    let mark: [number, number] | undefined;
    let rssPerSocket: number | undefined;
    await new Promise((r) => setTimeout(r, Math.max(0, this.plan.t0 - now())));
    let nextSample = this.plan.t0 + 1000;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const t = now();
        this.arrive(t);
        if (!mark && this.connected >= this.vus.length / 10) mark = [this.connected, process.memoryUsage().rss];
        this.traffic.tick(t);
        for (const e of this.events) if (e.at <= t) e.fn();
        this.events = this.events.filter((e) => e.at > t);
        if (t >= nextSample) {
          nextSample += 1000;
          this.sample(t);
        }
        if (t >= this.stopAt) {
          clearInterval(timer);
          if (mark && this.connected > mark[0]) rssPerSocket = (process.memoryUsage().rss - mark[1]) / (this.connected - mark[0]);
          resolve();
        }
      }, TICK_MS);
    });
    await new Promise((r) => setTimeout(r, s.drain_s * 1000));
    this.stopped = true;
    this.sample(now());
    for (const sp of this.spreads.values()) sp.flush();
    await backfill(this);
    for (const vu of this.vus) vu.sock?.close();
    // the close handshake, bounded: the gateway then sees clean closes (1000), not dropped sockets (1006)
    for (const end = Date.now() + 2000; this.connected > 0 && Date.now() < end;) await new Promise((r) => setTimeout(r, 10));
    loop.disable();
    const cpu = process.cpuUsage(cpu0);
    const cpuPct = ((cpu.user + cpu.system) / 1000 / (performance.now() - wall0)) * 100;
    const loopP99 = loop.percentile(99) / 1e6, loopMax = loop.max / 1e6;
    const why: string[] = [];
    if (loopP99 > 50) why.push(`agent ${this.plan.agent} event-loop delay p99 ${loopP99.toFixed(1)} ms > 50 ms`);
    if (cpuPct > 90) why.push(`agent ${this.plan.agent} CPU ${cpuPct.toFixed(0)}% of one core > 90%`);
    const hists = { every: encodeHist(this.hists.every), first: encodeHist(this.hists.first), last: encodeHist(this.hists.last) };
    for (const h of Object.values(this.hists)) h.destroy();
    this.second.destroy();
    return {
      agent: this.plan.agent, users: this.vus.length, counts: this.ledger.counts, stats: this.stats,
      hists,
      timeline: this.timeline, rss_bytes: process.memoryUsage().rss, rss_per_socket_bytes: rssPerSocket, received: this.received,
      trust: { loop_p99_ms: loopP99, loop_max_ms: loopMax, cpu_pct: cpuPct, cpu_s: (cpu.user + cpu.system) / 1e6, saturated: why.length > 0, why },
    };
  }

  private sample(t: number): void {
    const p: TimePoint = {
      t: Math.round((t - this.plan.t0) / 1000), connected: this.connected, sent: this.stats.sent, received: this.received,
      reconnects: this.stats.reconnects, connect_errors: this.stats.connect_errors, arriving: this.arriving,
    };
    if (this.second.totalCount > 0) p.lat = encodeHist(this.second);
    this.second.reset();
    this.arriving = 0;
    this.timeline.push(p);
    this.onProgress(p);
  }

  /** opens the connections whose scheduled arrival time has come */
  private arrive(t: number): void {
    const due = Math.min(this.vus.length, Math.floor(((t - this.plan.t0) / 1000) * this.share()));
    while (this.arrived < due) this.connect(this.vus[this.arrived++]);
  }

  /** this agent's part of the scenario's arrival rate */
  private share(): number {
    const s = this.plan.scenario;
    return (s.arrival_rate * this.vus.length) / s.users;
  }

  connect(vu: Vu): void {
    if (this.stopped) return;
    vu.state = 'connecting';
    vu.joined = false;
    this.arriving++;
    // first placement round-robin; a redial goes to a random node, as a load balancer would spread
    // the clients of a lost node over the survivors (a dead pick fails fast and backs off)
    const targets = this.plan.targets;
    const url = new URL(targets[vu.dials++ === 0 ? vu.id % targets.length : Math.floor(Math.random() * targets.length)]);
    url.searchParams.set('user', vu.user);
    const token = this.tokens.get(vu.id);
    if (this.plan.jwtSecret && !token) {
      void signToken(this.plan.jwtSecret, { sub: vu.user }).then((tk) => {
        this.tokens.set(vu.id, tk);
        this.connect(vu);
      });
      return;
    }
    if (token) url.searchParams.set('token', token);
    const addr = this.plan.addresses.length ? this.plan.addresses[vu.id % this.plan.addresses.length] : undefined;
    vu.sock = new LeanSocket(this, vu.id, url, this.plan.scenario.format === 'msgpack' ? 'bfg.v1.msgpack' : 'bfg.v1.json', addr);
  }

  vuOf(s: LeanSocket): Vu {
    return this.vus[s.owner - this.plan.first];
  }

  send(vu: Vu, f: ClientFrame): void {
    const fmt = this.plan.scenario.format;
    vu.sock?.send(encodeFrame(f, fmt), fmt === 'msgpack');
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
    if (fast) return this.onMsg(vu, fast.room, fast.seq, fast.t);
    let f: ServerFrame;
    try {
      f = decodeServerFrame(payload, this.plan.scenario.format);
    } catch {
      this.stats.errors.undecodable = (this.stats.errors.undecodable ?? 0) + 1;
      return;
    }
    switch (f.op) {
      case 'msg': return this.onMsg(vu, f.room, f.seq, (f.meta as { t?: number } | undefined)?.t);
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

  private onMsg(vu: Vu, room: string, seq: number, sentAt: number | undefined): void {
    this.received++;
    const t = vu.track(room, seq - 1);
    const replay = seq <= t.replayUntil;
    const fresh = this.ledger.receive(t, seq, replay);
    if (!fresh || replay || sentAt === undefined) return;
    const lat = now() - sentAt;
    const us = Math.max(1, Math.round(lat * 1000));
    this.hists.every.recordValue(us);
    this.second.recordValue(us);
    // first/last recipient is a group-room figure: DMs have one recipient
    if (room === vu.room) vu.spread.record(seq, lat);
  }

  close(s: LeanSocket, code: number): void {
    const vu = this.vuOf(s);
    if (vu.sock !== s) return;
    vu.sock = null;
    const wasOpen = vu.isOpen;
    vu.isOpen = false;
    this.stats.closes[code] = (this.stats.closes[code] ?? 0) + 1;
    if (code === 4008) this.stats.slow_closed++;
    if (wasOpen) this.connected--;
    else if (!vu.everOpened || vu.state === 'connecting') this.stats.connect_errors++;
    if (vu.state === 'offline' || this.stopped) return;
    this.retry(vu);
  }

  /** schedules a reconnect by the scenario's policy */
  retry(vu: Vu): void {
    const r = this.plan.scenario.reconnect;
    const delay = backoffMs(r.policy, vu.attempts++, r.base_ms, r.cap_ms, vu.lastDelay);
    vu.lastDelay = delay;
    if (!Number.isFinite(delay)) return void (vu.state = 'down');
    vu.state = 'backoff';
    setTimeout(() => vu.state === 'backoff' && this.connect(vu), delay);
  }

  private pick(pct: number): Vu[] {
    const open = this.vus.filter((v) => v.state === 'open');
    const n = Math.round((open.length * pct) / 100);
    for (let i = open.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [open[i], open[j]] = [open[j], open[i]];
    }
    return open.slice(0, n);
  }

  private storm(): void {
    const s = this.plan.scenario.storm;
    const victims = this.pick(s.drop_pct);
    if (s.method === 'server-close' && this.plan.admin) {
      void fetch(`${this.plan.admin}?users=${encodeURIComponent(victims.map((v) => v.user).join(','))}`, { method: 'POST' })
        .catch(() => { this.stats.errors.admin_unreachable = 1; });
    } else for (const v of victims) v.sock?.destroy();
  }

  private offline(): void {
    const o = this.plan.scenario.offline;
    for (const v of this.pick(o.pct)) {
      v.state = 'offline';
      v.sock?.close();
      setTimeout(() => this.connect(v), o.for_s * 1000);
    }
  }

  private slow(): void {
    const sl = this.plan.scenario.slow;
    for (const v of this.pick(sl.pct)) {
      const sock = v.sock!;
      sock.pause(true);
      setTimeout(() => sock.pause(false), sl.pause_ms);
    }
  }
}
