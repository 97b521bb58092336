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
type Kind = 'bfg' | 'plain';

async function target(kind: Kind): Promise<{ proc: ChildProcess; port: number; ask: () => Promise<{ cpu: NodeJS.CpuUsage; rss: number }> }> {
  const proc = fork(fileURLToPath(new URL('./targets.js', import.meta.url)), [kind], { execArgv: ['--expose-gc'] });
  const [hello] = (await once(proc, 'message')) as [{ port: number }];
  const ask = async (what = 'cpu') => {
    proc.send(what);
    return ((await once(proc, 'message')) as [{ cpu: NodeJS.CpuUsage; rss: number }])[0];
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

async function connectMany(url: string, n: number, onMsg?: () => void): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  for (let i = 0; i < n; i += 500) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(500, n - i) }, (_, j) => connect(`${url}/?user=u${i + j}`, onMsg)))));
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rssSettled(ask: (w: string) => Promise<{ rss: number }>, pid: number): Promise<number> {
  await sleep(1000);
  await ask('gc');
  await sleep(500);
  return (await pidusage(pid)).memory;
}

/** RSS the target process gained per idle connection. */
async function idleMemory(kind: Kind): Promise<number> {
  const t = await target(kind);
  const before = await rssSettled(t.ask, t.proc.pid!);
  const sockets = await connectMany(`ws://127.0.0.1:${t.port}`, IDLE);
  const after = await rssSettled(t.ask, t.proc.pid!);
  for (const s of sockets) s.terminate();
  t.proc.kill();
  return (after - before) / IDLE;
}

/** Server CPU microseconds per fan-out delivery. */
async function fanoutCpu(kind: Kind): Promise<number> {
  const t = await target(kind);
  const url = `ws://127.0.0.1:${t.port}`;
  let received = 0;
  const members = await connectMany(url, MEMBERS, () => received++);
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

const mem = { bfg: await idleMemory('bfg'), plain: await idleMemory('plain') };
const cpu = { bfg: await fanoutCpu('bfg'), plain: await fanoutCpu('plain') };
let sio = 'socket.io: not installed, not measured (npm i -D socket.io to include it)';
try {
  await import('socket.io' as string);
  sio = 'socket.io: installed, but this script does not drive it yet';
} catch { /* not installed */ }

console.log(`\nbfg gateway vs plain ws — measured on this machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}`);
console.log(`idle connections: ${IDLE}; fan-out room: ${MEMBERS} members, ${MESSAGES} messages in bursts of ${BURST}`);
console.log(`${'metric (measured)'.padEnd(34)} ${'bfg'.padStart(9)} ${'plain ws'.padStart(10)} ${'ratio'.padStart(7)}   target`);
console.log(row('RSS per idle connection', mem.bfg / 1024, mem.plain / 1024, '<= 1.00', 'KiB, pidusage RSS delta / connections'));
console.log(row('server CPU per fan-out delivery', cpu.bfg, cpu.plain, '<= 0.33', 'µs, server process.cpuUsage / deliveries'));
console.log(sio);
