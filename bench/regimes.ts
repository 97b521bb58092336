/**
 * Gateway CPU per delivery in realistic regimes, measured the same way for every server: the same
 * generator (`bfg load`, one message per scheduler turn, on schedule) drives `bfg serve`, a plain `ws`
 * rooms server (test/peers/ws-chat.ts, through the template adapter, with ws's README heartbeat every
 * 25 s: all three ping their peers at bfg's interval) and a Socket.IO 4 app
 * (test/peers/socketio-chat.ts), each in its own process. The server's CPU is read from /proc at the
 * start and the end of the traffic window (after arrivals and a warm-up second), and divided by the
 * deliveries the generator counted in that window.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { runLoad } from '../loadgen/run/coordinator.js';
import { parseScenario } from '../loadgen/scenario/scenario.js';
import { BFG } from '../test/helpers/cli.js';
import { cpuSeconds, ioCalls, listening, pin } from '../test/helpers/proc.js';

export type Server = 'bfg' | 'ws' | 'socketio';
export const SERVERS: Server[] = ['bfg', 'ws', 'socketio'];
const PEERS = fileURLToPath(new URL('../test/peers/', import.meta.url));

let placement: { server: string; generator: string } | null = null;

/**
 * Where the servers and the generator run, set once before any server starts: every server on CPU 0,
 * this process (the coordinator, and the agents it starts, which inherit it) on the others. The agent
 * waits out the last 2 ms before each due send on the CPU (its send lag stays under a millisecond), so
 * at 500 sends/s it keeps most of a core busy: unpinned, that core is often the server's. Null on one
 * CPU or without taskset.
 */
export function place(): typeof placement {
  const n = os.cpus().length;
  const rest = n > 2 ? `1-${n - 1}` : '1';
  placement = n > 1 && pin(process.pid, rest) ? { server: '0', generator: rest } : null;
  return placement;
}

/** starts one server process (on the server's CPU when `placement` is set), `extra` appended to its arguments; resolves with it and its URL */
export async function startServer(kind: Server, extra: string[] = []): Promise<{ proc: ChildProcess; url: string }> {
  const args = [...(kind === 'bfg' ? [BFG, 'serve', '--port', '0', '--auth', 'none', '--msg-rate', '100000', '--msg-burst', '100000', '--accept-rate', '100000', '--accept-burst', '100000']
    : [`${PEERS}${kind === 'ws' ? 'ws-chat.js' : 'socketio-chat.js'}`, '--port', '0']), ...extra];
  const started = await listening(args);
  if (placement && !pin(started.proc.pid!, placement.server)) throw new Error(`could not pin ${kind} to CPU ${placement.server} with taskset`);
  return started;
}

const TEMPLATE = (YAML.parse(readFileSync('scenarios/template-echo.yaml', 'utf8')) as { template: unknown }).template;

/** the scenario fields that speak each server's protocol (plain ws through the template adapter) */
const protocolOf = (kind: Server) => (kind === 'ws' ? { protocol: 'template', template: TEMPLATE } : { protocol: kind === 'socketio' ? 'socketio' : 'bfg' });

/** a server's CPU seconds and syscalls at `sec` on the run's own clock (t0, which runLoad fixes) */
const sampleAt = (pid: number, t0: number, sec: number) => new Promise<[number, { reads: number; writes: number }]>((r) =>
  setTimeout(() => r([cpuSeconds(pid), ioCalls(pid)]), Math.max(0, t0 + sec * 1000 - Date.now())));

/** A regime: users in rooms of `size`, `rate` messages per second per room. */
export interface Regime { name: string; users: number; size: number; rate: number; agents?: number }

export interface Measured {
  cpuUsPerDelivery: number;
  /** the server's write syscalls per delivery over the same window: exact where CPU ticks are noisy */
  writesPerDelivery: number;
  deliveries: number; windowS: number; p99: number; trusted: boolean; why: string[];
}

/** One server under one regime: CPU per delivery over the traffic window. */
export async function measure(kind: Server, url: string, pid: number, g: Regime, windowS = 5): Promise<Measured> {
  const arriveS = g.users / 2000 + 0.5, warmS = 1;
  const s = parseScenario({
    name: `regime ${g.name}`, users: g.users, arrival_rate: 2000, agents: g.agents ?? 0, rooms: { size: g.size },
    messages: { rate_per_room: g.rate, body_bytes: 64 }, send_after_s: arriveS, duration_s: arriveS + warmS + windowS, drain_s: 1,
    ...protocolOf(kind),
  });
  // sample the server's CPU at the window's edges, on the run's own clock
  const from = arriveS + warmS, to = arriveS + warmS + windowS;
  let edges!: ReturnType<typeof sampleAt>[];
  const r = await runLoad({ scenario: s, target: url, progress: false, log: () => {}, onStart: (t0) => { edges = [sampleAt(pid, t0, from), sampleAt(pid, t0, to)]; } });
  const [[c0, { writes: w0 }], [c1, { writes: w1 }]] = await Promise.all(edges);
  const recv = (sec: number) => r.timeline.find((p) => Math.abs(p.t - sec) < 1e-6)?.received ?? NaN;
  const deliveries = recv(to) - recv(from);
  return { cpuUsPerDelivery: ((c1 - c0) * 1e6) / deliveries, writesPerDelivery: (w1 - w0) / deliveries, deliveries, windowS, p99: r.latency.every.p99_ms, trusted: r.trusted, why: r.untrusted_reasons };
}

/**
 * Two servers under one regime at the same time, each driven by its own generator. Alternating rounds
 * compare two moments of a shared VM (steal, clock, neighbours move a server's CPU per delivery by
 * ±30% here); servers measured at the same moment share them, so the ratio of one round is close to
 * the ratio of their costs. Each side is measured as `measure` measures it.
 */
export function measurePaired(a: { kind: Server; url: string; pid: number }, b: { kind: Server; url: string; pid: number }, g: Regime, windowS = 5): Promise<[Measured, Measured]> {
  return Promise.all([measure(a.kind, a.url, a.pid, g, windowS), measure(b.kind, b.url, b.pid, g, windowS)]);
}

/**
 * Saturation: the rate per room ramps over `rampS` (stages); the highest delivery rate of a bucket
 * whose p99 stayed under `sloMs`, per core the server used then. Reports the generator's trust: past
 * its own limit the figure is the generator's, and is printed as such.
 */
export async function saturate(kind: Server, url: string, pid: number, g: Regime, maxRate: number, rampS = 15, sloMs = 100) {
  // the ramp starts after a settle of 2 s with every socket open and joined: a server still working
  // through the arrivals (Socket.IO's handshakes: about 0.5 ms each) would have its first buckets'
  // p99 charged to the ramp
  const arriveS = g.users / 2000 + 0.5, settleS = 2;
  const s = parseScenario({
    name: `saturation ${g.name}`, agents: g.agents ?? 0, rooms: { size: g.size }, messages: { rate_per_room: 0, body_bytes: 64 }, timeline_ms: 1000, drain_s: 1,
    stages: [{ duration_s: arriveS, users: g.users, rate_per_room: 0 }, { duration_s: settleS, rate_per_room: 0 }, { duration_s: rampS, rate_per_room: maxRate }],
    ...protocolOf(kind),
  });
  // the server's CPU sampled at every bucket's end (t0 + k s), as the timeline names its buckets
  const cpu: number[] = [];
  let timers: NodeJS.Timeout[] = [];
  const onStart = (t0: number) => {
    timers = Array.from({ length: Math.ceil(s.duration_s) + 1 }, (_, k) => setTimeout(() => { cpu[k] = cpuSeconds(pid); }, Math.max(0, t0 + k * 1000 - Date.now())));
  };
  const r = await runLoad({ scenario: s, target: url, progress: false, log: () => {}, onStart });
  for (const t of timers) clearTimeout(t);
  let best = { perS: 0, corePct: NaN, t: 0 };
  let under = 0, failAt = NaN;
  for (let i = 1; i < r.timeline.length; i++) {
    const p = r.timeline[i], q = r.timeline[i - 1];
    if (p.t <= arriveS + settleS) continue;
    if (p.p99_ms === undefined || p.p99_ms >= sloMs) {
      if (p.p99_ms !== undefined && Number.isNaN(failAt)) failAt = p.t;
      continue;
    }
    under++;
    const perS = p.received - q.received;
    const c = cpu[p.t] !== undefined && cpu[p.t - 1] !== undefined ? (cpu[p.t] - cpu[p.t - 1]) * 100 : NaN;
    if (perS > best.perS) best = { perS, corePct: c, t: p.t };
  }
  // the per-room rate the ramp had reached at the end of the first bucket over the SLO
  const failRate = Number.isNaN(failAt) ? NaN : (maxRate * Math.min(rampS, failAt - arriveS - settleS)) / rampS;
  return { ...best, under, failRate, maxRate, trusted: r.trusted, why: r.untrusted_reasons, saturated: r.agents.some((a) => a.trust.saturated) };
}

/** buckets under the SLO below which a ramp is too coarse to place a server's limit */
export const FINE_BUCKETS = 4;

/**
 * `saturate`, and once more on a ramp that ends where the first ends for this server (the rate at its
 * first bucket over the SLO) when the first held fewer than FINE_BUCKETS buckets under the SLO: a
 * server whose limit is in the ramp's first second or two gets the same resolution as one whose limit
 * is at its end. The same rule for every server; `coarse` and `fine` are the two ramps.
 */
export async function saturateFine(kind: Server, url: string, pid: number, g: Regime, maxRate: number) {
  const first = await saturate(kind, url, pid, g, maxRate);
  type Ramp = Awaited<ReturnType<typeof saturate>>;
  if (first.under >= FINE_BUCKETS || Number.isNaN(first.failRate)) return { ...first, coarse: first, fine: undefined as Ramp | undefined };
  const fine = await saturate(kind, url, pid, g, Math.max(1, Math.ceil(first.failRate)));
  return { ...(fine.perS >= first.perS ? fine : first), coarse: first, fine };
}

/** What one connection costs a server to open: its /proc CPU and syscalls from the run's start to 1 s after the last arrival, per socket opened. */
export interface ConnectCost { cpuUsPerConnect: number; writesPerConnect: number; readsPerConnect: number; connects: number; errors: number; trusted: boolean }

/**
 * Connect cost: `users` sockets arrive at `rate` per second, each joins its room (rooms of 10) and
 * stays idle; the server does its handshake, its first frames and the join. The same generator and
 * window for every server.
 */
export async function connectCost(kind: Server, url: string, pid: number, users: number, rate: number): Promise<ConnectCost> {
  const arriveS = users / rate;
  const s = parseScenario({
    name: `connect ${kind}`, users, arrival_rate: rate, rooms: { size: 10 }, messages: { rate_per_room: 0 }, duration_s: arriveS + 1.5, drain_s: 0,
    ...protocolOf(kind),
  });
  let edges!: ReturnType<typeof sampleAt>[];
  const r = await runLoad({ scenario: s, target: url, progress: false, log: () => {}, onStart: (t0) => { edges = [sampleAt(pid, t0, 0), sampleAt(pid, t0, arriveS + 1)]; } });
  const [[c0, io0], [c1, io1]] = await Promise.all(edges);
  const n = r.stats.connects;
  return { cpuUsPerConnect: ((c1 - c0) * 1e6) / n, writesPerConnect: (io1.writes - io0.writes) / n, readsPerConnect: (io1.reads - io0.reads) / n, connects: n, errors: r.stats.connect_errors, trusted: r.trusted };
}

/** What an idle connection's heartbeat costs a server: its /proc CPU and read + write syscalls per ping/pong round trip. */
export interface HeartbeatCost { cpuUsPerRoundTrip: number; callsPerRoundTrip: number; sockets: number; errors: number }

/**
 * Heartbeat cost: `users` sockets arrive at 2,000/s, join their rooms (rooms of 10) and stay idle on a
 * server started with a `heartbeatMs` ping interval; its CPU is read over `beats` intervals, from one
 * interval and a second after the last arrival (its first sweep over them done), and divided by the
 * round trips in that window (sockets × beats). The same generator and window for every server.
 */
export async function heartbeatCost(kind: Server, url: string, pid: number, users: number, heartbeatMs: number, beats = 5): Promise<HeartbeatCost> {
  const arriveS = users / 2000 + 0.5, from = arriveS + heartbeatMs / 1000 + 1, to = from + (beats * heartbeatMs) / 1000;
  const s = parseScenario({
    name: `heartbeat ${kind}`, users, arrival_rate: 2000, rooms: { size: 10 }, messages: { rate_per_room: 0 }, duration_s: to + 0.5, drain_s: 0,
    ...protocolOf(kind),
  });
  let edges!: ReturnType<typeof sampleAt>[];
  const r = await runLoad({ scenario: s, target: url, progress: false, log: () => {}, onStart: (t0) => { edges = [sampleAt(pid, t0, from), sampleAt(pid, t0, to)]; } });
  const [[c0, io0], [c1, io1]] = await Promise.all(edges);
  const rts = r.stats.peak_connections * beats;
  return { cpuUsPerRoundTrip: ((c1 - c0) * 1e6) / rts, callsPerRoundTrip: (io1.reads + io1.writes - io0.reads - io0.writes) / rts, sockets: r.stats.peak_connections, errors: r.stats.connect_errors };
}
