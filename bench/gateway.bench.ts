/**
 * npm run bench:gateway — the gateway beside a plain `ws` server and a Socket.IO 4 app, in the same
 * run: base RSS and RSS/heap per idle connection (bfg and plain ws), then server CPU per delivery in
 * realistic regimes driven by the same generator at one message per turn (regimes.ts): (a) a
 * 1,000-member room at 20 and 100 msgs/s, (b) 50 rooms of 20 at 10 msgs/s each, CPU per socket opened
 * (connect and join), (c) saturation — the highest delivery rate with p99 < 100 ms, per gateway core, as
 * far as this machine's generator reaches.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { BFG } from '../test/helpers/cli.js';
import { rssBytes } from '../test/helpers/proc.js';
import { once } from 'node:events';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import pidusage from 'pidusage';
import WebSocket from 'ws';
import { median, medianInterval, spread as fmt } from './stats.js';
import { SERVERS, connectCost, FINE_BUCKETS, measure, measurePaired, place, saturateFine, startServer, type ConnectCost, type Measured, type Regime, type Server } from './regimes.js';

import { BenchRecord } from './record.js';
const IDLE = Number(process.env.BENCH_IDLE ?? 10_000);
/** the second count, near the 20,000-fd limit of one process */
const IDLE2 = Number(process.env.BENCH_IDLE2 ?? 18_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
type Kind = 'bfg' | 'plain';

type Usage = { cpu: NodeJS.CpuUsage; rss: number; heap: number };

async function target(kind: Kind): Promise<{ proc: ChildProcess; port: number; ask: (what?: string) => Promise<Usage> }> {
  const proc = fork(fileURLToPath(new URL('./targets.js', import.meta.url)), [kind], { execArgv: ['--expose-gc'] });
  const [hello] = (await once(proc, 'message')) as [{ port: number }];
  const ask = async (what = 'cpu') => {
    proc.send(what);
    return ((await once(proc, 'message')) as [Usage])[0];
  };
  return { proc, port: hello.port, ask };
}

function connect(url: string, onMsg?: () => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'bfg.v1.json');
    if (onMsg) ws.on('message', onMsg);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function connectMany(url: string, n: number, from = 0, onMsg?: () => void): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  for (let i = 0; i < n; i += 500) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(500, n - i) }, (_, j) => connect(`${url}/?user=u${from + i + j}`, onMsg)))));
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RSS (pidusage) and V8 heap used of the target after a settle and a full GC. */
async function settled(t: Awaited<ReturnType<typeof target>>): Promise<{ rss: number; heap: number }> {
  await sleep(1000);
  const u = await t.ask('gc');
  await sleep(500);
  return { rss: (await pidusage(t.proc.pid!)).memory, heap: u.heap };
}

/**
 * RSS and heap the target process gains per idle connection, counted from a baseline of a tenth of
 * IDLE connections (after a forced GC) to IDLE and to IDLE2, so the process's fixed costs are charged
 * to neither server.
 */
async function idleMemory(kind: Kind): Promise<{ rss: number; heap: number; rss2: number; heap2: number; base: number }> {
  const t = await target(kind);
  const url = `ws://127.0.0.1:${t.port}`;
  const base = (await settled(t)).rss;
  const from = IDLE / 10;
  const first = await connectMany(url, from);
  const before = await settled(t);
  const rest = await connectMany(url, IDLE - from, from);
  const after = await settled(t);
  const more = await connectMany(url, IDLE2 - IDLE, IDLE);
  const after2 = await settled(t);
  for (const s of [...first, ...rest, ...more]) s.terminate();
  t.proc.kill();
  return {
    rss: (after.rss - before.rss) / (IDLE - from), heap: (after.heap - before.heap) / (IDLE - from),
    rss2: (after2.rss - before.rss) / (IDLE2 - from), heap2: (after2.heap - before.heap) / (IDLE2 - from), base,
  };
}


/** a target's verdict, printed the same way on every row */
const atMost = (ratio: number, target: number) => `<= ${target.toFixed(2)}: ${ratio <= target ? 'met' : `NOT met, ${ratio.toFixed(2)}x`}`;

/** ` [at m:ss]`: when a section started, counted from process start (the bench must stay under 10 minutes) */
const at = () => ` [at ${Math.floor(process.uptime() / 60)}:${String(Math.floor(process.uptime() % 60)).padStart(2, '0')}]`;

const rec = new BenchRecord('gateway');
/** one printed row, recorded with plain ws as its baseline */
const row = (name: string, a: number, b: number, target: string, unit: string) => (rec.add({
  name, value: a, unit: unit.split(',')[0], method: unit, baseline: { name: 'plain ws', value: b }, better: 'lower',
  ...(target ? { target: target.split(':')[0], met: target.includes(': met') } : {}),
}), `${name.padEnd(34)} ${a.toFixed(2).padStart(9)} ${b.toFixed(2).padStart(10)} ${(a / b).toFixed(2).padStart(7)}   ${target}  (${unit})`);

// RSS moves by a few hundred bytes per connection from run to run: alternate the two servers and take medians
type Idle = Awaited<ReturnType<typeof idleMemory>>;
const rounds: { bfg: Idle; plain: Idle }[] = [];
for (let r = 0; r < ROUNDS; r++) rounds.push({ bfg: await idleMemory('bfg'), plain: await idleMemory('plain') });
const mem = {
  bfg: median(rounds.map((x) => x.bfg.rss)), plain: median(rounds.map((x) => x.plain.rss)),
  bfgHeap: median(rounds.map((x) => x.bfg.heap)), plainHeap: median(rounds.map((x) => x.plain.heap)),
  bfgBase: median(rounds.map((x) => x.bfg.base)), plainBase: median(rounds.map((x) => x.plain.base)),
  bfg2: median(rounds.map((x) => x.bfg.rss2)), plain2: median(rounds.map((x) => x.plain.rss2)),
  bfgHeap2: median(rounds.map((x) => x.bfg.heap2)), plainHeap2: median(rounds.map((x) => x.plain.heap2)),
};
console.log(`\nbfg gateway vs plain ws vs Socket.IO — measured on this machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}; servers and generator share these cores`);
console.log(`${'memory (measured)'.padEnd(34)} ${'bfg'.padStart(9)} ${'plain ws'.padStart(10)} ${'ratio'.padStart(7)}   target`);
console.log(row('base RSS, Gateway class', mem.bfgBase / 2 ** 20, mem.plainBase / 2 ** 20, atMost(mem.bfgBase / mem.plainBase, 1.3), `MiB, median of ${ROUNDS}, after a full GC: the Gateway class alone in a process, no CLI`));
console.log(row(`RSS per idle connection at ${IDLE}`, mem.bfg / 1024, mem.plain / 1024, atMost(mem.bfg / mem.plain, 1), `KiB, median of ${ROUNDS}: pidusage RSS gained from ${IDLE / 10} to ${IDLE} connections after a forced GC / connections added`));
console.log(row(`RSS per idle connection at ${IDLE2}`, mem.bfg2 / 1024, mem.plain2 / 1024, atMost(mem.bfg2 / mem.plain2, 1), `KiB, median of ${ROUNDS}: the same from ${IDLE / 10} to ${IDLE2}`));
console.log(row(`V8 heap per idle connection at ${IDLE}`, mem.bfgHeap / 1024, mem.plainHeap / 1024, '', `KiB, median of ${ROUNDS}: heapUsed after a full GC, same span`));
console.log(row(`V8 heap per idle connection at ${IDLE2}`, mem.bfgHeap2 / 1024, mem.plainHeap2 / 1024, '', `KiB, median of ${ROUNDS}: heapUsed after a full GC, same span`));

// base RSS of the real CLI (`bfg serve`, embedded defaults) beside a plain ws server process, both read
// from /proc 2.5 s after they listen, no forced GC (what an operator sees); alternating, 3 rounds
// (the plain one is test/peers/ws-chat.ts: a rooms relay on `ws`, importing nothing else)
const WS_CHAT = fileURLToPath(new URL('../test/peers/ws-chat.js', import.meta.url));
async function cliBase(kind: 'bfg' | 'plain'): Promise<number> {
  const args = kind === 'bfg' ? [BFG, 'serve', '--port', '0', '--auth', 'none'] : [WS_CHAT, '--port', '0'];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve) => proc.stdout!.on('data', (d: Buffer) => /listening on/.test(String(d)) && resolve()));
  await sleep(2500);
  const rss = rssBytes(proc.pid!);
  proc.kill();
  return rss;
}
const bases = { bfg: [] as number[], plain: [] as number[] };
for (let r = 0; r < 3; r++) for (const k of ['bfg', 'plain'] as const) bases[k].push(await cliBase(k));
const cb = median(bases.bfg), cp = median(bases.plain);
console.log(row('base RSS of bfg serve (CLI)', cb / 2 ** 20, cp / 2 ** 20, atMost(cb / cp, 1.3), 'MiB, median of 3: VmRSS 2.5 s after listening, no forced GC, beside a plain ws server process'));

// CPU per delivery in regimes: every server, alternating, CPU_ROUNDS rounds; median [min..max]
const CPU_ROUNDS = Number(process.env.BENCH_CPU_ROUNDS ?? 3);
/** rounds of (b) with bfg and plain ws driven at the same time, for its verdict: 8 give a 93% interval of the median that one odd round does not decide */
const PAIRED_ROUNDS = Number(process.env.BENCH_PAIRED_ROUNDS ?? 8);
/** rounds of (b) with bfg beside the plain ws relay answering each publish with an ack (0: not run, to stay under 10 minutes) */
const ACK_ROUNDS = Number(process.env.BENCH_ACK_ROUNDS ?? 0);
const REGIMES: Regime[] = [
  { name: '(a) 1 room x 1000, 20 msgs/s', users: 1000, size: 1000, rate: 20 },
  { name: '(a) 1 room x 1000, 100 msgs/s', users: 1000, size: 1000, rate: 100, agents: 2 },
  { name: '(b) 50 rooms x 20, 10 msgs/s each', users: 1000, size: 20, rate: 10 },
];
const where = place();
console.log(`\nplacement${at()}: ${where ? `every server pinned to CPU ${where.server}, the generator (coordinator and agents) to CPU ${where.generator} (taskset)` : 'not pinned (one CPU, or no taskset): servers and generator share the cores'}`);
const servers = Object.fromEntries(await Promise.all(SERVERS.map(async (k) => [k, await startServer(k)] as const))) as Record<Server, Awaited<ReturnType<typeof startServer>>>;
/** `rounds` rounds of regime `g` with bfg and `other` driven at the same time; prints their row and returns each round's pair and bfg/other ratio */
async function pairedWithBfg(name: string, other: { kind: Server; url: string; pid: number }, g: Regime, rounds: number) {
  const pairs: [Measured, Measured][] = [];
  for (let r = 0; r < rounds; r++) pairs.push(await measurePaired({ kind: 'bfg', url: servers.bfg.url, pid: servers.bfg.proc.pid! }, other, g));
  const ratios = pairs.map(([x, y]) => x.cpuUsPerDelivery / y.cpuUsPerDelivery);
  const untrusted = pairs.filter(([x, y]) => !x.trusted || !y.trusted).length;
  console.log(`${name.padEnd(34)} ${fmt(pairs.map(([x]) => x.cpuUsPerDelivery)).padStart(22)} ${fmt(pairs.map(([, y]) => y.cpuUsPerDelivery)).padStart(22)} ${''.padStart(22)}  ${median(ratios).toFixed(2).padStart(6)}  ${''.padStart(7)}  ${untrusted ? `UNTRUSTED in ${untrusted} of ${rounds} pair(s)` : 'trusted'}`);
  return { pairs, ratios };
}
console.log(`\nserver CPU per delivery (µs, measured: the server's CPU time, user + system, from the scheduler's ns count of its threads in /proc, over a ${5} s traffic window / deliveries in it; ${CPU_ROUNDS} alternating rounds, median [min..max])${at()}`);
console.log(`${'regime'.padEnd(34)} ${'bfg'.padStart(22)} ${'plain ws'.padStart(22)} ${'socket.io'.padStart(22)}  bfg/ws  bfg/sio  generator`);
for (const g of REGIMES) {
  const got: Record<Server, Measured[]> = { bfg: [], ws: [], socketio: [] };
  for (let r = 0; r < CPU_ROUNDS; r++) for (const k of SERVERS) got[k].push(await measure(k, servers[k].url, servers[k].proc.pid!, g));
  const med = (k: Server) => median(got[k].map((x) => x.cpuUsPerDelivery));
  const untrusted = SERVERS.flatMap((k) => got[k].filter((x) => !x.trusted).map(() => k));
  console.log(`${g.name.padEnd(34)} ${fmt(got.bfg.map((x) => x.cpuUsPerDelivery)).padStart(22)} ${fmt(got.ws.map((x) => x.cpuUsPerDelivery)).padStart(22)} ${fmt(got.socketio.map((x) => x.cpuUsPerDelivery)).padStart(22)}  ${(med('bfg') / med('ws')).toFixed(2).padStart(6)}  ${(med('bfg') / med('socketio')).toFixed(2).padStart(7)}  ${untrusted.length ? `UNTRUSTED in ${untrusted.length} run(s) (${[...new Set(untrusted)].join(', ')})` : 'trusted'}`);
  rec.add({ name: `CPU per delivery, ${g.name}`, value: med('bfg'), unit: 'µs', method: `server CPU (scheduler ns) over a 5 s window / deliveries, median of ${CPU_ROUNDS} alternating rounds, pinned apart from the generator`, baseline: { name: 'plain ws', value: med('ws') }, better: 'lower' });
  rec.add({ name: `CPU per delivery, ${g.name}, against Socket.IO`, value: med('bfg'), unit: 'µs', method: 'as above', baseline: { name: 'Socket.IO 4', value: med('socketio') }, better: 'lower' });
  // exact where the CPU figures are noisy: the kernel's part of a delivery is mostly its socket write
  const writes = (k: Server) => median(got[k].map((x) => x.writesPerDelivery));
  console.log(`${''.padEnd(34)} write syscalls per delivery (measured, /proc/PID/io syscw): bfg ${writes('bfg').toFixed(3)}, plain ws ${writes('ws').toFixed(3)}, socket.io ${writes('socketio').toFixed(3)}; bfg/ws ${(writes('bfg') / writes('ws')).toFixed(3)}`);
  if (g.name.startsWith('(b)')) {
    // alternating rounds compare two moments of the machine: the verdict comes from rounds where bfg and
    // plain ws ran at the same time (each with its own generator), one ratio per round
    const b = got.bfg.map((x) => x.cpuUsPerDelivery), w = got.ws.map((x) => x.cpuUsPerDelivery);
    const overlap = Math.max(...b) >= Math.min(...w) && Math.max(...w) >= Math.min(...b);
    const { ratios } = await pairedWithBfg('(b) bfg and plain ws at once', { kind: 'ws', url: servers.ws.url, pid: servers.ws.proc.pid! }, g, PAIRED_ROUNDS);
    console.log(`${''.padEnd(34)} bfg/ws of each of ${PAIRED_ROUNDS} rounds where both ran at the same time (measured): ${ratios.map((x) => x.toFixed(3)).join(', ')}; median ${fmt(ratios)}`);
    // the verdict is the sign test's interval of the median ratio (distribution-free: these rounds
    // are not normal, a fresh server's first is often its highest), met when its upper end is <= 1.00
    const below = ratios.filter((x) => x <= 1).length, ci = medianInterval(ratios);
    const interval = `${Math.round(ci.coverage * 100)}% interval of the median [${ci.lo.toFixed(2)}..${ci.hi.toFixed(2)}] (sign test over ${ratios.length} paired rounds)`;
    const verdict = ci.hi <= 1 ? `met: median ${median(ratios).toFixed(2)}x, ${interval}`
      : ci.lo > 1 ? `NOT met: median ${median(ratios).toFixed(2)}x, ${interval}`
      : `${median(ratios) <= 1 ? 'met on the median' : 'NOT met on the median'} (${median(ratios).toFixed(2)}x), but the ${interval} holds 1.00: not a reliable verdict`;
    rec.add({ name: '(b) CPU per delivery, paired rounds: median bfg / plain ws', value: median(ratios), unit: 'x', method: `${ratios.length} rounds with both servers at the same time; verdict from the sign test's ${Math.round(ci.coverage * 100)}% interval [${ci.lo.toFixed(2)}..${ci.hi.toFixed(2)}]`, target: '<= 1.00x (interval)', met: ci.hi <= 1 });
    rec.note(`(b) paired rounds: ${verdict}.`);
    console.log(`${''.padEnd(34)} target (b): bfg <= 1.00x plain ws: ${verdict}; ${below} of ${ratios.length} rounds at or below 1.00. Alternating rounds above: ${(med('bfg') / med('ws')).toFixed(2)}x${overlap ? ', their ranges overlapping' : ''}`);
    if (ACK_ROUNDS > 0) {
      // how much of the gap is the ack: the same relay, answering each publish with an ack to its sender
      // as bfg does (one more write per message); warmed through (b) once, then paired with bfg
      const acked = await startServer('ws', ['--ack']);
      const side = { kind: 'ws' as const, url: acked.url, pid: acked.proc.pid! };
      await measure(side.kind, side.url, side.pid, g);
      const { pairs: got, ratios: rs } = await pairedWithBfg('(b) bfg and plain ws + ack at once', side, g, ACK_ROUNDS);
      acked.proc.kill();
      console.log(`${''.padEnd(34)} no target (the issue's baseline is the relay without acks): bfg/(ws + ack) per round ${rs.map((x) => x.toFixed(3)).join(', ')}; write syscalls per delivery ${median(got.map(([, y]) => y.writesPerDelivery)).toFixed(3)} for ws + ack against bfg's ${median(got.map(([x]) => x.writesPerDelivery)).toFixed(3)}`);
    }
  }
}
{
  // what a socket costs to open (an idle fleet's ramp is bound by it): the same servers, alternating rounds
  const got: Record<Server, ConnectCost[]> = { bfg: [], ws: [], socketio: [] };
  const started = at();
  for (let r = 0; r < CPU_ROUNDS; r++) for (const k of SERVERS) got[k].push(await connectCost(k, servers[k].url, servers[k].proc.pid!, 6000, 1000));
  const cpu = (k: Server) => got[k].map((x) => x.cpuUsPerConnect), med = (k: Server) => median(cpu(k));
  const calls = (k: Server) => `${median(got[k].map((x) => x.writesPerConnect)).toFixed(2)} writes, ${median(got[k].map((x) => x.readsPerConnect)).toFixed(2)} reads`;
  const errors = SERVERS.reduce((a, k) => a + got[k].reduce((b, x) => b + x.errors, 0), 0);
  const untrusted = SERVERS.filter((k) => got[k].some((x) => !x.trusted));
  console.log(`\nserver CPU per socket opened (µs, measured: CPU time from /proc (scheduler ns) from the run's start to 1 s after the last of 6,000 arrivals at 1,000/s, each joining a room of 10; ${CPU_ROUNDS} alternating rounds, median [min..max])${started}`);
  console.log(`${'connect and join'.padEnd(34)} ${fmt(cpu('bfg')).padStart(22)} ${fmt(cpu('ws')).padStart(22)} ${fmt(cpu('socketio')).padStart(22)}  ${(med('bfg') / med('ws')).toFixed(2).padStart(6)}  ${(med('bfg') / med('socketio')).toFixed(2).padStart(7)}  ${untrusted.length ? `UNTRUSTED (${untrusted.join(', ')})` : 'trusted'}`);
  console.log(`${''.padEnd(34)} syscalls per socket opened (measured, /proc/PID/io): bfg ${calls('bfg')}; plain ws ${calls('ws')}; socket.io ${calls('socketio')}; connect errors ${errors}. No target: the plain ws server sends no hello and keeps no presence or session registry, so bfg above 1.00x here is the cost of that work`);
}
console.log(`\n(c) saturation: fresh server processes, 50 rooms x 20, every socket joined and settled 2 s, then the rate per room ramped 0 -> 400 msgs/s over 15 s; the highest deliveries/s of a 1 s bucket with p99 < 100 ms (measured). A server with fewer than ${FINE_BUCKETS} buckets under the SLO is ramped again, 0 -> the rate of its first bucket over the SLO, and its figure is the better of the two ramps${at()}`);
const sat = {} as Record<Server, Awaited<ReturnType<typeof saturateFine>>>;
// fresh server processes for (c): what the regimes above left in a server must not decide its limit (in
// one run Socket.IO, warm from them, sustained 36,845/s, and a fresh one 60,544/s in a separate run)
for (const k of SERVERS) {
  servers[k].proc.kill();
  servers[k] = await startServer(k);
}
for (const k of SERVERS) {
  // one agent: the server has CPU 0 and the generator the rest (`place`). Two agents and the server on
  // two cores starved every server alike (plain ws: 58,534/s with two, 88–105k with one)
  const x = (sat[k] = await saturateFine(k, servers[k].url, servers[k].proc.pid!, { name: '(c)', users: 1000, size: 20, rate: 10, agents: 1 }, 400));
  const perCore = x.corePct > 0 ? ` = ${Math.round(x.perS / (x.corePct / 100)).toLocaleString('en-US')} per gateway core (at ${x.corePct.toFixed(0)}% of a core)` : '';
  const ramp = x.fine ? ` [ramp 0 -> 400: ${x.coarse.under} bucket(s) under the SLO, the first over it at ${x.coarse.failRate.toFixed(1)} msgs/s per room; ramped again 0 -> ${x.fine.maxRate}: ${x.fine.under} under, best ${x.fine.perS.toLocaleString('en-US')}/s]` : ` [${x.under} buckets under the SLO]`;
  console.log(`  ${k.padEnd(9)} ${x.perS ? `${x.perS.toLocaleString('en-US')} deliveries/s` : 'no 1 s bucket under the SLO'}${perCore}${ramp}${x.saturated || !x.trusted ? ` — GENERATOR-BOUND: ${x.why.join('; ') || 'an agent saturated'}; the server's own limit is above this and not measured here` : ''}`);
}
{
  // a generator-bound bfg figure is a lower bound of bfg's own: it can prove the target, never disprove it
  const bound = sat.bfg.saturated || !sat.bfg.trusted;
  // a peer with no 1 s bucket under the SLO has no figure to divide by: its ratio is not claimed
  const ratio = (k: Server) => (sat[k].perS > 0 ? sat.bfg.perS / sat[k].perS : NaN);
  // a peer whose run was flagged may have a limit above its figure too: its ratio is no bound, and gives no verdict
  const flagged = (k: Server) => sat[k].saturated || !sat[k].trusted;
  const peers = (['ws', 'socketio'] as const).filter((k) => Number.isFinite(ratio(k)) && !flagged(k));
  const met = peers.length > 0 && peers.every((k) => ratio(k) >= 3);
  const show = (k: Server, name: string) => (!Number.isFinite(ratio(k)) ? `bfg / ${name}: no ratio (${name} held no 1 s bucket under the SLO)`
    : `bfg / ${name} ${ratio(k).toFixed(2)}x${flagged(k) ? ` (${name}'s run was flagged as well: not a bound, no verdict)` : ''}`);
  for (const k of ['ws', 'socketio'] as const) rec.add({ name: `(c) deliveries/s under p99 100 ms${bound ? ' (lower bound: generator-bound)' : ''}`, value: sat.bfg.perS || null, unit: 'deliveries/s', method: 'fresh servers, 50 rooms x 20, rate ramped until a 1 s bucket\'s p99 passes 100 ms', baseline: { name: k === 'ws' ? 'plain ws' : 'Socket.IO 4', value: sat[k].perS || null }, better: 'higher', target: '>= 3x', met: Number.isFinite(ratio(k)) && !flagged(k) ? ratio(k) >= 3 : undefined });
  console.log(`  ${show('ws', 'plain ws')}, ${show('socketio', 'Socket.IO')} in deliveries/s under the SLO${bound ? ' (bfg\'s figure is the generator\'s limit: a lower bound)' : ''}`);
  const against = peers.map((k) => (k === 'ws' ? 'plain ws' : 'Socket.IO')).join(' and ');
  console.log(`  target (c): bfg >= 3x plain ws and Socket.IO: ${!peers.length ? 'not shown: no peer has an unflagged figure' : met ? `met against ${against}${bound ? ', as a lower bound' : ''}${peers.length < 2 ? ' (the other peer: no verdict)' : ''}` : bound ? 'not shown: the generator ran out before bfg did' : `NOT met, ${Math.min(...peers.map(ratio)).toFixed(2)}x`}`);
}
for (const k of SERVERS) servers[k].proc.kill();
// counted from process start (the issue's bound: under 10 minutes on the 2-core box)
const tookS = process.uptime();
console.log(`\nbench:gateway took ${Math.floor(tookS / 60)} min ${Math.round(tookS % 60)} s (measured from process start)`);
rec.note(`bench:gateway took ${Math.floor(tookS / 60)} min ${Math.round(tookS % 60)} s from process start.`);
rec.save();
process.exit(0);
