/**
 * npm run bench:gateway — the gateway beside a plain `ws` server with a plain broadcast loop,
 * measured in the same run: RSS per idle connection at N connections, and server CPU time per
 * fan-out delivery in a room of M members fed in bursts (faster than one message per turn).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import pidusage from 'pidusage';
import WebSocket from 'ws';

const IDLE = Number(process.env.BENCH_IDLE ?? 10_000);
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 1000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2000);
const BURST = 20;
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
 * RSS and heap the target process gains per idle connection, measured from a tenth of the
 * connections to all of them, so the process's fixed costs are charged to neither server.
 */
async function idleMemory(kind: Kind): Promise<{ rss: number; heap: number }> {
  const t = await target(kind);
  const url = `ws://127.0.0.1:${t.port}`;
  const added = IDLE - IDLE / 10;
  const first = await connectMany(url, IDLE / 10);
  const before = await settled(t);
  const rest = await connectMany(url, added, IDLE / 10);
  const after = await settled(t);
  for (const s of [...first, ...rest]) s.terminate();
  t.proc.kill();
  return { rss: (after.rss - before.rss) / added, heap: (after.heap - before.heap) / added };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Server CPU microseconds per fan-out delivery. */
async function fanoutCpu(kind: Kind): Promise<number> {
  const t = await target(kind);
  const url = `ws://127.0.0.1:${t.port}`;
  let received = 0;
  const members = await connectMany(url, MEMBERS, 0, () => received++);
  const feeder = await connect(`${url}/?user=feeder`);
  if (kind === 'bfg') {
    for (const ws of [...members, feeder]) ws.send(JSON.stringify({ op: 'join', room: 'bench' }));
    while (received < MEMBERS * 2) await sleep(20); // hello + joined
  }
  const feed = async (n: number, tag: string) => {
    const start = received;
    for (let i = 0; i < n; i += BURST) {
      for (let j = 0; j < BURST; j++) feeder.send(JSON.stringify({ op: 'send', room: 'bench', id: `${tag}${i + j}`, body: 'x'.repeat(64) }));
      await sleep(2);
    }
    const deadline = Date.now() + 120_000;
    while (received - start < n * MEMBERS && Date.now() < deadline) await sleep(20);
    return received - start;
  };
  await feed(200, 'w'); // warm-up: JIT, buffers
  const c0 = (await t.ask()).cpu;
  const delivered = await feed(MESSAGES, 'm');
  const c1 = (await t.ask()).cpu;
  for (const s of [...members, feeder]) s.terminate();
  t.proc.kill();
  if (delivered < MESSAGES * MEMBERS) throw new Error(`${kind}: only ${delivered} of ${MESSAGES * MEMBERS} deliveries arrived`);
  return (c1.user - c0.user + c1.system - c0.system) / delivered;
}

const row = (name: string, a: number, b: number, target: string, unit: string) =>
  `${name.padEnd(34)} ${a.toFixed(2).padStart(9)} ${b.toFixed(2).padStart(10)} ${(a / b).toFixed(2).padStart(7)}   ${target}  (${unit})`;

// RSS moves by a few hundred bytes per connection from run to run: alternate the two servers and take medians
const rounds: { bfg: { rss: number; heap: number }; plain: { rss: number; heap: number } }[] = [];
for (let r = 0; r < ROUNDS; r++) rounds.push({ bfg: await idleMemory('bfg'), plain: await idleMemory('plain') });
const mem = {
  bfg: median(rounds.map((x) => x.bfg.rss)), plain: median(rounds.map((x) => x.plain.rss)),
  bfgHeap: median(rounds.map((x) => x.bfg.heap)), plainHeap: median(rounds.map((x) => x.plain.heap)),
};
const cpu = { bfg: await fanoutCpu('bfg'), plain: await fanoutCpu('plain') };
let sio = 'socket.io: not installed, not measured (npm i -D socket.io to include it)';
try {
  await import('socket.io' as string);
  sio = 'socket.io: installed, but this script does not drive it yet';
} catch { /* not installed */ }

console.log(`\nbfg gateway vs plain ws — measured on this machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}`);
console.log(`idle connections: ${IDLE}; fan-out room: ${MEMBERS} members, ${MESSAGES} messages in bursts of ${BURST}`);
console.log(`${'metric (measured)'.padEnd(34)} ${'bfg'.padStart(9)} ${'plain ws'.padStart(10)} ${'ratio'.padStart(7)}   target`);
console.log(row('RSS per idle connection', mem.bfg / 1024, mem.plain / 1024, '<= 1.00', `KiB, median of ${ROUNDS}: pidusage RSS gained from ${IDLE / 10} to ${IDLE} connections / connections added`));
console.log(row('V8 heap per idle connection', mem.bfgHeap / 1024, mem.plainHeap / 1024, '', `KiB, median of ${ROUNDS}: heapUsed after a full GC, same span`));
console.log(row('server CPU per fan-out delivery', cpu.bfg, cpu.plain, '<= 0.33', 'µs, server process.cpuUsage / deliveries'));
console.log(sio);
