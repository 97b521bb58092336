/**
 * npm run bench:idle — an idle fleet idles: BENCH_SOCKETS idle sockets (200,000 by default) through
 * `bfg load --serve` on a Redis fleet (a node per 18,000 sockets), arriving at BENCH_RATE per second
 * (250 per core: 500 on this 2-core box, where a socket costs the fleet ~1.5–1.9 ms of CPU to open and 200,000 sockets'
 * heartbeats ~0.55 of a core, so 1,000/s asks more than the 2 cores by the ramp's end, where two runs
 * had late handshakes answered 408; the bench prints what its ramp asked of the box's cores, and the
 * ramp's real length), held BENCH_HOLD_S (600) after the last socket opened. Prints connect
 * errors by cause, the fleet's CPU (gateways, agents, Redis; % of one core) averaged from 30 s after
 * the real end of the ramp, gateway RSS 5 minutes into the hold and at its end, and Redis commands per
 * second — beside the figures the previous presence design gave on this machine (quoted from issue 15,
 * not re-run). The samples are written to BENCH_SAMPLES (default /tmp/bfg-idle-samples.json).
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import pidusage from 'pidusage';
import { calibrateHeartbeat } from '../calculators/calibrate.js';
import type { RunResult } from '../loadgen/result.js';
import { BFG } from '../test/helpers/cli.js';
import { ioCalls, procTicks } from '../test/helpers/proc.js';
import { startRedis } from '../test/helpers/redis.js';
import { heartbeatCost, place, startServer, type HeartbeatCost, type Server } from './regimes.js';
import { median } from './stats.js';

import { BenchRecord } from './record.js';
const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 200_000);
const HOLD_S = Number(process.env.BENCH_HOLD_S ?? 600);
// scaled with the cores: opening a socket costs the fleet ~2 ms of CPU (gateway, agent, Redis), so a
// 16-core machine opens 4,000/s with room for the heartbeats (8,000/s saturated one: README)
const RATE = Number(process.env.BENCH_RATE ?? 250 * os.cpus().length);
const nodes = Math.ceil(SOCKETS / 18_000);
const rampS = SOCKETS / RATE;
// room for a ramp slower than planned: the hold is counted from the real end of the ramp
const slackS = Math.max(60, rampS * 0.3);
/** the gateways' heartbeat interval (BENCH_HEARTBEAT_MS; the default, 25 s, unless set) */
const HEARTBEAT_MS = Number(process.env.BENCH_HEARTBEAT_MS ?? 25_000);

const redis = await startRedis();
const admin = new Redis(redis.url);
// Redis's own record of its stalls (an fsync, a slow command) of 100 ms or more: a stall past the
// presence TTL's margin makes a survivor take a node for dead
await admin.config('SET', 'latency-monitor-threshold', '100');
const scenario = path.join(os.tmpdir(), 'bfg-idle.yaml');
writeFileSync(scenario, JSON.stringify({
  name: 'idle', description: 'idle sockets: connect, join, hold', users: SOCKETS, arrival_rate: RATE, duration_s: rampS + slackS + HOLD_S,
  rooms: { size: 10 }, messages: { rate_per_room: 0 }, drain_s: 0,
  serve: { nodes, args: ['--accept-rate', '100000', '--accept-burst', '100000', '--max-rooms', '10', '--heartbeat-ms', String(HEARTBEAT_MS)] },
  thresholds: ['connect_errors == 0'],
}));
rmSync('/tmp/bfg-idle.json', { force: true }); // a failed run must not report an earlier one
const t0 = Date.now();
const load = spawn(process.execPath, [BFG, 'load', scenario, '--serve', '--redis', redis.url, '--no-progress', '--out', '/tmp/bfg-idle.json'], { stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
load.stdout.on('data', (d) => (out += d));
/** the gateways' presence lines (`[nK] bfg serve: presence: node nK was taken for dead …`), with when they came, seconds from this process's start */
const lapses: { t: number; line: string }[] = [];
// passed through whole lines at a time, and the presence lines counted
createInterface({ input: load.stderr! }).on('line', (line) => {
  process.stderr.write(`${line}\n`);
  if (/presence: node \S+ (was taken for dead|beat again)/.test(line)) lapses.push({ t: (Date.now() - t0) / 1000, line });
});

/** pids of this run's gateways and agents (by command line), and Redis */
function pids(): { gateways: number[]; agents: number[]; redis: number[] } {
  const res = { gateways: [] as number[], agents: [] as number[], redis: [] as number[] };
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let cmd = '';
    try { cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8'); } catch { continue; }
    if (cmd.includes(`serve`) && cmd.includes(redis.url) && cmd.includes('bfg.js')) res.gateways.push(Number(d));
    else if (cmd.includes('loadgen/agent/main.js')) res.agents.push(Number(d));
  }
  try { res.redis.push(Number(readFileSync(path.join(redis.dir, 'redis.pid'), 'utf8'))); } catch { /* not yet */ }
  return res;
}

const samples: {
  t: number; cpu: { gateways: number; agents: number; redis: number }; rss: number; cmds: number; ticks: { user: number; sys: number }; by: { gateways: number; agents: number; redis: number };
  /** TCP segments sent on this host (/proc/net/snmp OutSegs), and read + write syscalls of the gateways and agents (/proc/PID/io): exact counts */
  segs: number; calls: number;
  /** the host's stolen and total CPU ticks (/proc/stat) */
  host: { steal: number; all: number };
}[] = [];
type Ticks = { user: number; sys: number };
/** cumulative user and system (kernel) CPU ticks of these processes, from /proc/PID/stat (fields 14, 15) */
function ticks(all: number[]): { user: number; sys: number } {
  const t = { user: 0, sys: 0 };
  for (const pid of all) {
    try {
      const p = procTicks(pid);
      t.user += p.user; t.sys += p.sys;
    } catch { /* gone */ }
  }
  return t;
}
/** TCP segments this host has sent (all of them: on loopback each is also received here) */
function outSegs(): number {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Tcp:'));
    const [names, values] = lines.map((l) => l.split(/\s+/));
    return Number(values[names.indexOf('OutSegs')]);
  } catch {
    return NaN; // a kernel without /proc/net/snmp: the counts print as NaN, not as 0
  }
}
/** read and write syscalls these processes have made */
function calls(all: number[]): number {
  let n = 0, read = 0;
  for (const pid of all) {
    try {
      const c = ioCalls(pid);
      n += c.reads + c.writes;
      read++;
    } catch { /* gone */ }
  }
  // none readable: a kernel without /proc/PID/io, not zero syscalls
  return all.length && !read ? NaN : n;
}
/** this host's CPU time stolen by the hypervisor, and all its CPU time, in ticks (/proc/stat's first line) */
function hostTicks(): { steal: number; all: number } {
  let stat = '';
  try { stat = readFileSync('/proc/stat', 'utf8'); } catch { return { steal: NaN, all: NaN }; }
  const f = stat.split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { steal: f[7] ?? 0, all: f.slice(0, 8).reduce((a, x) => a + x, 0) };
}
/** clock ticks per second (USER_HZ): 100 on Linux */
const HZ = 100;
const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await admin.info('stats'))?.[1]);
const timer = setInterval(async () => {
  const p = pids();
  const all = [...p.gateways, ...p.agents, ...p.redis];
  if (!all.length) return;
  const u = (await pidusage(all).catch(() => ({}))) as Record<number, { cpu: number; memory: number } | undefined>;
  const sum = (xs: number[], k: 'cpu' | 'memory') => xs.reduce((a, x) => a + (u[x]?.[k] ?? 0), 0);
  const t = (Date.now() - t0) / 1000;
  // /proc read once per group; the fleet's user and kernel split is their sum
  const g: Ticks = ticks(p.gateways), a: Ticks = ticks(p.agents), rd: Ticks = ticks(p.redis);
  samples.push({ t, cpu: { gateways: sum(p.gateways, 'cpu'), agents: sum(p.agents, 'cpu'), redis: sum(p.redis, 'cpu') }, rss: sum(p.gateways, 'memory'), cmds: await commands().catch(() => NaN),
    ticks: { user: g.user + a.user + rd.user, sys: g.sys + a.sys + rd.sys },
    by: { gateways: g.user + g.sys, agents: a.user + a.sys, redis: rd.user + rd.sys },
    segs: outSegs(), calls: calls([...p.gateways, ...p.agents]), host: hostTicks() });
}, 5000);
await new Promise((r) => load.on('exit', r));
clearInterval(timer);
const r = JSON.parse(readFileSync('/tmp/bfg-idle.json', 'utf8')) as RunResult;
// the samples on the run's clock: it starts when the run does, after its gateways are up (about 20 s
// for 12 nodes here), not when the load process does; the ramp ended when the last socket opened
const offsetS = (Date.parse(r.started_at) - t0) / 1000;
for (const x of samples) x.t -= offsetS;
const peak = r.stats.peak_connections;
const rampEnd = (r.timeline.find((p) => p.connected >= peak) ?? r.timeline[r.timeline.length - 1]).t;
const holdEnd = r.timeline.filter((p) => p.connected >= peak * 0.999).pop()?.t ?? rampEnd;
const after = samples.filter((x) => x.t > rampEnd + 30 && x.t < holdEnd);
const avg = (k: 'gateways' | 'agents' | 'redis') => after.reduce((a, x) => a + x.cpu[k], 0) / Math.max(1, after.length);
const at = (t: number) => samples.reduce((best, x) => (Math.abs(x.t - t) < Math.abs(best.t - t) ? x : best), samples[0]);
const held = holdEnd - rampEnd;
const mid = at(rampEnd + Math.min(300, held / 2)), end = at(holdEnd - 5);
const first = after[0], last = after[after.length - 1];
const causes = Object.entries(r.stats.errors).filter(([k]) => k.startsWith('connect_')).map(([k, n]) => `${k.slice(8)} ${n}`).join(', ');
writeFileSync(process.env.BENCH_SAMPLES ?? '/tmp/bfg-idle-samples.json', JSON.stringify({ rampEnd, holdEnd, samples }));
console.log(`\nbench:idle — measured on ${os.cpus()[0]?.model} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}: gateways, agents and Redis on this one machine`);
console.log(`  ${SOCKETS} idle sockets planned, ${nodes} Redis-backed gateway nodes, heartbeat ${HEARTBEAT_MS / 1000} s${HEARTBEAT_MS === 25_000 ? ' (the default)' : ''}, arrival ${RATE}/s: planned ramp ${rampS.toFixed(0)} s, real ramp ${rampEnd.toFixed(0)} s; held ${held.toFixed(0)} s after it (planned ${HOLD_S})`);
const rec = new BenchRecord('idle');
rec.add({ name: 'sockets reached', value: peak, unit: 'sockets', method: `${SOCKETS} planned at ${RATE}/s through bfg load --serve on ${nodes} Redis-backed nodes` });
rec.add({ name: 'connect errors', value: r.stats.connect_errors, unit: '', method: causes || 'none by cause', target: '0', met: r.stats.connect_errors === 0 });
console.log(`  sockets reached ${peak}, connect errors ${r.stats.connect_errors}${causes ? ` (${causes})` : ''}   target 0`);
// the run's own verdict on the generator: a late agent dials and answers late, and a gateway times that out
const spin = r.agents.reduce((a, x) => a + (x.trust.spin_pct ?? 0), 0);
console.log(`  generator: ${r.trusted ? 'trusted' : `UNTRUSTED (${r.untrusted_reasons.length} reason(s), first: ${r.untrusted_reasons[0]}): connect errors and the ramp's length may be the generator's`}; agents' spin before precise tasks ${spin.toFixed(1)}% of a core in all`);
console.log(`  fleet CPU from 30 s after the ramp (avg of ${after.length} samples, % of one core): total ${(avg('gateways') + avg('agents') + avg('redis')).toFixed(1)}%  = gateways ${avg('gateways').toFixed(1)}% + agents ${avg('agents').toFixed(1)}% + Redis ${avg('redis').toFixed(1)}%   target < 25%`);
rec.add({ name: 'fleet CPU over the hold', value: avg('gateways') + avg('agents') + avg('redis'), unit: '% of a core', method: `gateways ${avg('gateways').toFixed(1)} + agents ${avg('agents').toFixed(1)} + Redis ${avg('redis').toFixed(1)}, from 30 s after the ramp, heartbeat ${HEARTBEAT_MS / 1000} s`, target: '< 25%', met: avg('gateways') + avg('agents') + avg('redis') < 25 });
rec.add({ name: 'gateway RSS drift over the hold', value: ((end.rss - mid.rss) / mid.rss) * 100, unit: '%', method: 'sum of the gateways\' RSS, mid-hold to end', target: 'within ±2%', met: Math.abs((end.rss - mid.rss) / mid.rss) <= 0.02 });
console.log(`  gateway RSS (sum): ${((mid.t - rampEnd) / 60).toFixed(1)} min into the hold ${(mid.rss / 2 ** 20).toFixed(0)} MiB, at its end (${((end.t - rampEnd) / 60).toFixed(1)} min) ${(end.rss / 2 ** 20).toFixed(0)} MiB: ${(((end.rss - mid.rss) / mid.rss) * 100).toFixed(1)}%   target within ±2%`);
const total = avg('gateways') + avg('agents') + avg('redis');
const beats = peak / (HEARTBEAT_MS / 1000);
console.log(`  heartbeats: ${beats.toFixed(0)} ping/pong round trips per second (${peak} sockets / ${HEARTBEAT_MS / 1000} s), ${((total / 100) * 1e6 / beats).toFixed(0)} µs of fleet CPU per round trip (gateway write, kernel, agent read and reply, gateway read): an idle fleet's floor`);
{
  // what a capacity plan takes from this run: the gateways' share of a round trip, two ways that should agree
  const cal = calibrateHeartbeat(r);
  const gwUs = first && last && last !== first ? (((last.by.gateways - first.by.gateways) / HZ / (last.t - first.t)) * 1e6) / beats : NaN;
  console.log(`  gateways' CPU per round trip: ${gwUs.toFixed(1)} µs (/proc over the hold); \`bfg plan --from /tmp/bfg-idle.json\` measures heartbeat_us ${typeof cal === 'string' ? `none: ${cal}` : `${cal.us.toFixed(1)} µs (pidusage over ${Math.round(cal.idleS)} idle s)`}`);
}
if (first && last && last !== first) {
  // the kernel's share: what loopback TCP costs these processes (send, receive, ACKs, epoll) whatever runs in user space
  const dt = last.t - first.t, sys = (last.ticks.sys - first.ticks.sys) / HZ / dt * 100, user = (last.ticks.user - first.ticks.user) / HZ / dt * 100;
  console.log(`  of the fleet's CPU over the hold (from /proc/PID/stat): user space ${user.toFixed(1)}%, kernel ${sys.toFixed(1)}% (${((sys / 100) * 1e6 / beats).toFixed(0)} µs of kernel time per round trip)`);
  // exact counts behind the kernel's share: what one round trip makes the kernel do
  const rts = beats * dt;
  // every socket is pinged once per sweep: a window of few heartbeats holds a whole number of sweeps, not dt / heartbeat
  const few = dt < (4 * HEARTBEAT_MS) / 1000 ? `; approximate: the window is only ${(dt / (HEARTBEAT_MS / 1000)).toFixed(1)} heartbeats long` : '';
  console.log(`  per round trip over the hold (exact counts${few}): ${((last.segs - first.segs) / rts).toFixed(2)} TCP segments (/proc/net/snmp OutSegs, whole host: ping, pong, ACKs), ${((last.calls - first.calls) / rts).toFixed(2)} read and write syscalls of gateways and agents (/proc/PID/io)`);
}
// what a socket costs to open: all the fleet did during the ramp (heartbeats of those already open
// included), per socket opened, from when a tenth were open to the ramp's end
const connectedAt = (t: number) => r.timeline.reduce((best, x) => (Math.abs(x.t - t) < Math.abs(best.t - t) ? x : best), r.timeline[0]).connected;
const ra = samples.find((x) => connectedAt(x.t) >= peak / 10), rb = samples.filter((x) => x.t <= rampEnd).pop();
if (ra && rb && connectedAt(rb.t) > connectedAt(ra.t)) {
  const opened = connectedAt(rb.t) - connectedAt(ra.t);
  const us = (k: 'gateways' | 'agents' | 'redis') => ((rb.by[k] - ra.by[k]) / HZ) * 1e6 / opened;
  console.log(`  CPU per socket opened during the ramp (${opened} opened, ${(rb.t - ra.t).toFixed(0)} s): gateways ${us('gateways').toFixed(0)} µs + agents ${us('agents').toFixed(0)} µs + Redis ${us('redis').toFixed(0)} µs: what bounds a ramp's rate on a machine's cores`);
  console.log(`  per socket opened during the ramp (exact counts): ${((rb.cmds - ra.cmds) / opened).toFixed(2)} Redis commands, ${((rb.segs - ra.segs) / opened).toFixed(1)} TCP segments (whole host), ${((rb.calls - ra.calls) / opened).toFixed(1)} read and write syscalls of gateways and agents`);
  // what the ramp asked of the box at its end: opening at RATE plus the heartbeats of all sockets, each
  // at this run's own measured cost (the heartbeats of the ramp's open sockets taken out of the first)
  const beatsInRamp = ((connectedAt(ra.t) + connectedAt(rb.t)) / 2) * (rb.t - ra.t) / (HEARTBEAT_MS / 1000);
  const rtUs = ((avg('gateways') + avg('agents') + avg('redis')) / 100) * 1e6 / (peak / (HEARTBEAT_MS / 1000));
  const openUs = (us('gateways') + us('agents') + us('redis')) - (beatsInRamp * rtUs) / opened;
  const cores = os.cpus().length, asked = (RATE * openUs + (peak / (HEARTBEAT_MS / 1000)) * rtUs) / 1e6;
  console.log(`  the ramp's end asked ${asked.toFixed(2)} of this box's ${cores} cores (modeled from this run's measured costs: ${RATE}/s × ${openUs.toFixed(0)} µs to open a socket + ${peak} sockets' heartbeats × ${rtUs.toFixed(0)} µs): ${asked > 0.9 * cores ? 'SATURATED — late handshakes there are the box\'s limit, not an idle cost; lower BENCH_RATE' : 'within the box'}`);
}
if (first && last && last !== first) console.log(`  Redis commands per second over the hold: ${((last.cmds - first.cmds) / (last.t - first.t)).toFixed(1)}`);
{
  // why a node may have been taken for dead: the VM's stolen time, Redis's stalls, the gateways' own lines
  const steal = samples.slice(1).map((x, i) => ({ t: x.t, pct: (100 * (x.host.steal - samples[i].host.steal)) / Math.max(1, x.host.all - samples[i].host.all) }));
  const worst = steal.reduce((b, x) => (x.pct > b.pct ? x : b), { t: NaN, pct: 0 });
  const holdSteal = first && last && last !== first ? (100 * (last.host.steal - first.host.steal)) / Math.max(1, last.host.all - first.host.all) : NaN;
  console.log(`  CPU stolen by the hypervisor (measured, /proc/stat): ${Number.isNaN(holdSteal) ? 'not readable on this kernel' : `${holdSteal.toFixed(1)}% of this box's CPU time over the hold; ${worst.pct > 0 ? `worst 5 s sample ${worst.pct.toFixed(1)}% at ${worst.t.toFixed(0)} s (ramp ended at ${rampEnd.toFixed(0)} s)` : 'none in any 5 s sample'}`}`);
  const lat = (await admin.call('LATENCY', 'LATEST').catch(() => [])) as [string, number, number, number][];
  console.log(`  Redis stalls of 100 ms or more (LATENCY LATEST: event, the last one's time on the run's clock and ms, the worst ms): ${lat.length ? lat.map(([e, at, ms, max]) => `${e} at ${((at * 1000 - Date.parse(r.started_at)) / 1000).toFixed(0)} s ${ms} ms, worst ${max} ms`).join('; ') : 'none'}`);
  console.log(`  presence liveness lapses (a node taken for dead, its users written back): ${lapses.length ? lapses.map((l) => `${(l.t - offsetS).toFixed(0)} s ${l.line.slice(0, 12)}`).join(', ') : 'none'}   expected none`);
}
admin.disconnect();
redis.stop();
if (process.env.BENCH_BASELINE === '0') console.log('\n  heartbeat round trip beside plain ws: not measured in this run (BENCH_BASELINE=0)');
else {
  // the heartbeat floor beside a baseline doing the same work: one bfg serve (embedded) and the plain
  // ws relay (ws's README heartbeat), each holding BASE_SOCKETS idle sockets pinged every 2 s (more
  // round trips per second than the fleet's, in less time), driven at the same time by their own
  // generators, servers on CPU 0 and generators on the other
  const BASE_SOCKETS = Number(process.env.BENCH_BASE_SOCKETS ?? 9000), BASE_HB_MS = 2000, ROUNDS = 3;
  const where = place();
  const kinds: Server[] = ['bfg', 'ws'];
  const servers = await Promise.all(kinds.map((k) => startServer(k, ['--heartbeat-ms', String(BASE_HB_MS)])));
  const got: HeartbeatCost[][] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const round = await Promise.all(kinds.map((k, j) => heartbeatCost(k, servers[j].url, servers[j].proc.pid!, BASE_SOCKETS, BASE_HB_MS)));
    if (round.some((x) => x.errors || x.sockets < BASE_SOCKETS)) console.log(`  baseline round ${i + 1}: ${round.map((x, j) => `${kinds[j]} held ${x.sockets}, ${x.errors} connect errors`).join('; ')}`);
    got.push(round);
  }
  for (const x of servers) x.proc.kill();
  const us = (j: number) => got.map((round) => round[j].cpuUsPerRoundTrip);
  const calls = (j: number) => median(got.map((round) => round[j].callsPerRoundTrip)).toFixed(2);
  const ratios = got.map(([b, w]) => b.cpuUsPerRoundTrip / w.cpuUsPerRoundTrip);
  console.log(`\n  heartbeat round trip on one server beside plain ws (measured: ${BASE_SOCKETS} idle sockets each, ping every ${BASE_HB_MS / 1000} s, ${ROUNDS} rounds at the same time${where ? `, servers pinned to CPU ${where.server}` : ''}; /proc CPU of the server over 5 intervals / round trips):`);
  rec.add({ name: 'heartbeat round trip, one server', value: median(us(0)), unit: 'µs of server CPU', method: `${BASE_SOCKETS} idle sockets each, ping every ${BASE_HB_MS / 1000} s, ${ROUNDS} rounds at the same time`, baseline: { name: 'plain ws', value: median(us(1)) }, better: 'lower' });
  console.log(`  bfg ${us(0).map((x) => x.toFixed(1)).join(', ')} µs; plain ws ${us(1).map((x) => x.toFixed(1)).join(', ')} µs; read and write syscalls per round trip ${calls(0)} and ${calls(1)} (exact, /proc/PID/io); bfg / ws per round ${ratios.map((x) => x.toFixed(2)).join(', ')}, median ${median(ratios).toFixed(2)}x: ${median(ratios) <= 1.05 ? 'at the cost of a server that only answers the heartbeat (the fleet\'s idle CPU is that floor, paid at any gateway with this interval)' : 'bfg spends more on an idle socket than a server that only answers the heartbeat'}`);
}
rec.save();
process.exit(0);
