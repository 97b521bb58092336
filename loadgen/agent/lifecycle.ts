/**
 * One agent's run from start to result: faults, sends, arrivals and timeline buckets on the one
 * scheduler; the end of traffic, the drain, the backfill (or the stamp ledger's settling), the close
 * handshakes, and the trust verdict on the agent's own timing.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Ledger } from '../measure/ledger.js';
import { nowMs } from '../measure/clock.js';
import type { Measurements } from '../measure/measurements.js';
import type { Adapter } from '../protocols/index.js';
import { arrivals } from './arrivals.js';
import { backfill } from './backfill.js';
import type { Connections } from './connections.js';
import type { Deliveries } from './deliveries.js';
import type { Dialer } from './dialer.js';
import { offline, slow, storm } from './faults.js';
import type { AgentPlan } from './plan.js';
import type { AgentResult, AgentStats, TimePoint } from './result.js';
import { RANK, type Scheduler } from './scheduler.js';
import type { Traffic } from './traffic.js';
import { agentTrust } from './trust.js';
import type { Vu } from './vu.js';

/** Everything a run drives, wired by the agent. */
export interface RunParts {
  readonly plan: AgentPlan;
  readonly vus: Vu[];
  readonly stats: AgentStats;
  readonly ledger: Ledger;
  readonly m: Measurements;
  readonly sched: Scheduler;
  readonly traffic: Traffic;
  readonly dialer: Dialer;
  readonly sockets: Connections;
  readonly deliveries: Deliveries;
  readonly proto: Adapter;
  readonly heads: Map<string, number>;
  readonly sentRooms: Set<string>;
  /** the timeline's counters now, and the live metrics with each progress point */
  counters(): Parameters<Measurements['sample']>[1];
  live(): NonNullable<TimePoint['live']>;
}

/** Runs the whole scenario; `onEnd` receives the function that ends the traffic early (an abort). */
export async function runAgent(a: RunParts, onProgress: (p: TimePoint) => void, onEnd: (end: () => void) => void): Promise<AgentResult> {
  const s = a.plan.scenario, t0 = a.plan.t0, sockets = a.sockets;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const at = (sec: number) => t0 + sec * 1000;
  // RSS per socket is marginal: from when a tenth of the sockets are open to the end of traffic
  let mark: [number, number] | undefined;
  let rssPerSocket: number | undefined;
  const connect = (vu: Vu) => a.dialer.connect(vu);
  const ports = { plan: a.plan, vus: a.vus, stats: a.stats, connect };
  // kill-node and drain-node storms are the coordinator's: it holds the gateway processes
  if (s.storm.drop_pct > 0 && s.storm.method !== 'kill-node' && s.storm.method !== 'drain-node') a.sched.once(at(s.storm.at_s), () => storm(ports));
  if (s.offline.pct > 0) a.sched.once(at(s.offline.at_s), () => offline(ports));
  if (s.slow.pct > 0) a.sched.once(at(s.slow.at_s), () => slow(ports));
  const sends = a.traffic.tasks();
  for (const t of sends) a.sched.add(t);
  a.sched.add(arrivals({ plan: a.plan, vus: a.vus, connect }));
  const bucketMs = s.timeline_ms;
  const perProgress = Math.max(1, Math.round(1000 / bucketMs));
  let buckets = 0;
  // a bucket is named by its scheduled end, not by when a busy agent got round to it: every agent's
  // bucket k then merges with every other's bucket k
  // the bucket's counters are read at its end; its encoding and the progress report wait for a gap
  // between sends (Scheduler.later): both take up to milliseconds, which a send due then would wait
  const sample = (t: number, final = false) => {
    const p = a.m.sample(t, a.counters(), !final);
    const report = ++buckets % perProgress === 0;
    if (!final) a.sched.later(() => { a.m.encodeClosed(); if (report) onProgress({ ...p, live: a.live() }); });
    else if (report) onProgress({ ...p, live: a.live() });
    if (!mark && sockets.connected >= a.vus.length / 10) mark = [sockets.connected, process.memoryUsage().rss];
  };
  // precise, not coarse, though a bucket's name places it, when there is traffic: spinning out the
  // last 2 ms before each bucket keeps the agent awake, and a coarse wake-up lengthens the send lag's
  // tail enough to mark runs untrusted on a small machine. An agent with nothing to send has no send
  // to keep on time: coarse then. Its rank: after a send due at its end, before a fault due then
  const sampler = { next: t0 + bucketMs, rank: RANK.bucket, coarse: sends.length === 0, fire() { sample(this.next); this.next += bucketMs; } };
  a.sched.add(sampler);
  // one sweep for every handshake of the agent (no timer per socket); at least every second
  const hsMs = s.connect_timeout_ms;
  // and the client-initiated heartbeats a protocol owes (PINGREQ), from the same sweep
  const beat = a.proto.heartbeat;
  let beatAt = nowMs();
  const handshakes = setInterval(() => {
    const now = nowMs();
    sockets.sweepHandshakes(now, hsMs);
    if (beat && now - beatAt >= beat.everyMs) {
      beatAt = now;
      for (const vu of a.vus) if (vu.isOpen && vu.readyAt >= vu.openedAt) vu.sock?.send(beat.frame, beat.binary ?? true);
    }
  }, Math.min(1000, hsMs / 2, beat ? beat.everyMs : Infinity));
  await new Promise<void>((resolve) => {
    let end = () => {
      end = () => {};
      if (mark && sockets.connected > mark[0]) rssPerSocket = (process.memoryUsage().rss - mark[1]) / (sockets.connected - mark[0]);
      resolve();
    };
    onEnd(() => end());
    a.sched.once(at(s.duration_s), () => end());
  });
  await new Promise((r) => setTimeout(r, s.drain_s * 1000));
  sockets.stopped = true;
  clearInterval(handshakes);
  // a handshake still unanswered now never connected: a connect error, not nothing
  sockets.sweepHandshakes(nowMs(), 0, 'pending_at_end');
  const spinMs = a.sched.spinMs, youngGcs = a.sched.collects ? a.sched.youngGcs : undefined;
  a.sched.flushLater();
  a.sched.stop();
  sample(sampler.next, true); // the bucket in progress, named by its scheduled end like every other
  a.m.flush();
  if (a.proto.guarantees.history) await backfill(a);
  else a.deliveries.settleStamps();
  for (const vu of a.vus) vu.sock?.close();
  // the close handshake, bounded: the gateway then sees clean closes (1000), not dropped sockets (1006)
  for (const end = Date.now() + 2000; sockets.connected > 0 && Date.now() < end;) await new Promise((r) => setTimeout(r, 10));
  // what did not close in time is dropped: no read may reach the histograms once they are freed
  for (const vu of a.vus) vu.sock?.destroy();
  loop.disable();
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - wall0;
  const trust = agentTrust(a.plan.agent, { p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 },
    ((cpu.user + cpu.system) / 1000 / wall) * 100, (spinMs / wall) * 100, (cpu.user + cpu.system) / 1e6, youngGcs);
  const hists = a.m.encode();
  a.m.destroy();
  return {
    agent: a.plan.agent, users: a.vus.length, counts: a.ledger.counts, stats: a.stats, hists,
    timeline: a.m.timeline, rss_bytes: process.memoryUsage().rss, rss_per_socket_bytes: rssPerSocket, received: a.deliveries.received, trust,
  };
}
