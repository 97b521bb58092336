/**
 * npm run bench:peers — our gateway and Socket.IO side by side, in one run, on one machine, driven by
 * the same generator with the same scenarios: room-fanout and reconnect-storm against a `bfg serve`
 * pair (Redis bus and store) and against a Socket.IO 4 pair (@socket.io/redis-adapter), each pair on
 * its own fresh Redis. Rounds alternate (bfg, socket.io, bfg, …); each figure is the median over
 * BENCH_ROUNDS (3) with its range. Gateway CPU is read from /proc (user + system time of the two node
 * processes over the whole load run, connecting included, divided by deliveries), RSS growth per connection from the nodes' peak RSS over their idle RSS
 * (everything the run made them hold — buffers, heap — not only the sockets).
 * The work differs and the output says how: bfg stores every message durably before it acks, numbers
 * it, and recovers reconnecting clients; the Socket.IO app relays and acks, and stores nothing.
 * Then room-fanout against one server process each — bfg, Socket.IO, a graphql-ws chat, aedes (MQTT),
 * nats-server, RabbitMQ Web-STOMP and Web-MQTT (bench/servers.ts) — the same way, CPU and RSS of that
 * one process: the table an architect reads when choosing a gateway or a broker.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../loadgen/result.js';
import { BFG } from '../test/helpers/cli.js';
import { startRedis } from '../test/helpers/redis.js';
import { cpuSeconds, listening, rssBytes } from '../test/helpers/proc.js';

import { BenchRecord } from './record.js';
import { SERVERS, stopRabbit } from './servers.js';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
process.setMaxListeners(0); // each private Redis adds an exit hook
const SIO = fileURLToPath(new URL('../test/peers/socketio-chat.js', import.meta.url));

type Peer = 'bfg' | 'socketio';
interface Figures { delivered: number; backfilled: number; expected: number; lost: number; duplicated: number; p50: number; p99: number; cpuUsPerDelivery: number; fleetCpuUsPerDelivery: number; rssKiBPerConn: number; ttrMs: number; trusted: boolean }

/** one load run against `pids` (the server processes; `extra`: a store beside them): the run's result and their CPU and RSS */
async function measured(pids: number[], extra: number | undefined, args: string[], out: string): Promise<Figures> {
  const idle = pids.map(rssBytes);
  let peak = idle.slice();
  const cpu0 = pids.map(cpuSeconds), r0 = extra ? cpuSeconds(extra) : 0;
  const poll = setInterval(() => { peak = pids.map((p, i) => Math.max(peak[i], rssBytes(p))); }, 100);
  const load = spawn(process.execPath, [BFG, 'load', ...args, '--set', 'thresholds=[]', '--no-progress', '--out', out], { stdio: 'ignore' });
  await new Promise((r) => load.on('exit', r));
  clearInterval(poll);
  const cpu = pids.reduce((a, p, i) => a + cpuSeconds(p) - cpu0[i], 0);
  const fleet = cpu + (extra ? cpuSeconds(extra) - r0 : 0);
  const r = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
  const conn = r.stats.peak_connections;
  return {
    delivered: r.ledger.delivered, backfilled: r.ledger.backfilled, expected: r.ledger.expected, lost: r.ledger.lost, duplicated: r.ledger.duplicated,
    p50: r.latency.every.p50_ms, p99: r.latency.every.p99_ms,
    cpuUsPerDelivery: (cpu * 1e6) / Math.max(1, r.ledger.delivered), fleetCpuUsPerDelivery: (fleet * 1e6) / Math.max(1, r.ledger.delivered),
    rssKiBPerConn: peak.reduce((a, p, i) => a + p - idle[i], 0) / 1024 / Math.max(1, conn),
    ttrMs: r.storm?.time_to_recover_ms ?? NaN, trusted: r.trusted,
  };
}

/** a pair of nodes on a fresh Redis: bfg (Redis bus and store) or Socket.IO (redis-adapter) */
async function once(peer: Peer, scenario: string, sets: string[], round: number): Promise<Figures> {
  const redis = await startRedis();
  const nodes = peer === 'bfg'
    ? await Promise.all([0, 1].map(() => listening([BFG, 'serve', '--port', '0', '--auth', 'none', '--bus', 'redis', '--store', 'redis', '--redis', redis.url])))
    : await Promise.all([0, 1].map(() => listening([SIO, '--port', '0', '--redis', redis.url])));
  const redisPid = Number(readFileSync(`${redis.dir}/redis.pid`, 'utf8'));
  const out = `results/peers/${scenario.replace(/.*\//, '').replace('.yaml', '')}-${peer}-${round}.json`;
  try {
    return await measured(nodes.map((n) => n.proc.pid!), redisPid, [scenario, '--target', nodes.map((n) => n.url).join(','), '--protocol', peer, ...sets.flatMap((s) => ['--set', s])], out);
  } finally {
    for (const n of nodes) n.proc.kill('SIGKILL');
    redis.kill();
  }
}

const median = (xs: number[]) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN; };
const f = (v: number, d = 2) => (Number.isFinite(v) ? (Number.isInteger(v) ? String(v) : v.toFixed(d)) : 'n/a');

mkdirSync('results/peers', { recursive: true });
const sioVersion = JSON.parse(readFileSync('node_modules/socket.io/package.json', 'utf8')).version;
console.log(`bench:peers — measured on ${os.cpus().length}x ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; gateways, Redis and the generator share these cores`);
console.log(`  bfg: 2 x bfg serve (Redis bus + Redis store: stores each message before it acks, numbers it, recovers reconnects)`);
console.log(`  socket.io: 2 x Socket.IO ${sioVersion} chat app + @socket.io/redis-adapter (relays and acks; stores nothing, no recovery with this adapter)`);
console.log(`  ${ROUNDS} alternating rounds; median [min..max]; ratio = bfg / socket.io (below 1: bfg lower)\n`);
const rec = new BenchRecord('peers');
const SCENARIOS: [string, string[]][] = [
  ['scenarios/room-fanout.yaml', []],
  ['scenarios/reconnect-storm.yaml', ['storm.method=client-drop']],
];
for (const [scenario, sets] of SCENARIOS) {
  const runs: Record<Peer, Figures[]> = { bfg: [], socketio: [] };
  for (let round = 0; round < ROUNDS; round++) for (const peer of ['bfg', 'socketio'] as Peer[]) runs[peer].push(await once(peer, scenario, sets, round));
  console.log(`${scenario} ${sets.join(' ')}`);
  console.log(`  ${'figure (measured)'.padEnd(44)} ${'bfg'.padEnd(26)} ${'socket.io'.padEnd(26)} bfg/socket.io`);
  const rows: [string, (x: Figures) => number, number][] = [
    ['expected deliveries', (x) => x.expected, 0], ['delivered live', (x) => x.delivered, 0], ['backfilled (missed live, found in history)', (x) => x.backfilled, 0], ['lost', (x) => x.lost, 0], ['duplicated', (x) => x.duplicated, 0],
    ['latency p50 (ms)', (x) => x.p50, 3], ['latency p99 (ms)', (x) => x.p99, 3],
    ['gateway CPU per delivery (µs, whole run)', (x) => x.cpuUsPerDelivery, 2], ['gateway + Redis CPU per delivery (µs)', (x) => x.fleetCpuUsPerDelivery, 2],
    ['gateway RSS growth per connection (KiB)', (x) => x.rssKiBPerConn, 2], ['time to recover (ms)', (x) => x.ttrMs, 0],
  ];
  for (const [name, get, d] of rows) {
    const cell = (p: Peer) => { const v = runs[p].map(get); return `${f(median(v), d)} [${f(Math.min(...v), d)}..${f(Math.max(...v), d)}]`; };
    const a = median(runs.bfg.map(get)), b = median(runs.socketio.map(get));
    if (!Number.isFinite(a) && !Number.isFinite(b)) continue;
    const lowerBetter = /latency|CPU|RSS|recover|lost|duplicated/.test(name);
    rec.add({ name: `${scenario.replace(/^scenarios\/|\.yaml$/g, '')}: ${name}`, value: a, unit: '', method: `median of ${ROUNDS} alternating rounds, 2 nodes each on a fresh Redis, same generator`, baseline: { name: 'Socket.IO 4 + redis-adapter', value: b }, ...(/expected|delivered live|backfilled/.test(name) ? {} : { better: lowerBetter ? 'lower' as const : 'higher' as const }) });
    console.log(`  ${name.padEnd(44)} ${cell('bfg').padEnd(26)} ${cell('socketio').padEnd(26)} ${b ? `${(a / b).toFixed(2)}x` : a === b ? '1.00x' : '—'}`);
  }
  const untrusted = (['bfg', 'socketio'] as Peer[]).flatMap((p) => runs[p].map((x, i) => (x.trusted ? '' : `${p} round ${i + 1}`))).filter(Boolean);
  console.log(`  ${untrusted.length ? `UNTRUSTED runs (generator error bar large against the latency): ${untrusted.join(', ')}` : 'every run trusted'}`);
  console.log(`  results: results/peers/ (side by side: bfg report results/peers/<a>.json results/peers/<b>.json --out DIR)\n`);
}
// one server each: bfg beside the servers teams choose between, the same scenario and generator, alternating
const FANOUT = 'scenarios/room-fanout.yaml';
const single = new Map<string, Figures[]>(SERVERS.map((k) => [k.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of SERVERS) {
    const s = await kind.start();
    try {
      const args = [FANOUT, '--target', s.target, '--protocol', s.protocol, ...s.sets.flatMap((x) => ['--set', x])];
      single.get(kind.name)!.push(await measured([s.pid], undefined, args, `results/peers/servers-${kind.name}-${round}.json`));
    } finally {
      s.stop();
    }
  }
  stopRabbit();
}
console.log(`${FANOUT}, one server process each (CPU and RSS are that process's; ratio = bfg / that server, below 1: bfg lower)`);
for (const k of SERVERS) console.log(`  ${k.name.padEnd(15)} ${k.about}`);
const COLS: [string, (x: Figures) => number, number][] = [
  ['delivered', (x) => x.delivered, 0], ['lost', (x) => x.lost, 0], ['dup', (x) => x.duplicated, 0], ['p50 ms', (x) => x.p50, 2], ['p99 ms', (x) => x.p99, 2],
  ['CPU µs/delivery', (x) => x.cpuUsPerDelivery, 2], ['RSS KiB/conn', (x) => x.rssKiBPerConn, 1],
];
console.log(`  ${'server'.padEnd(15)} ${COLS.map(([n]) => n.padStart(16)).join('')}   bfg/server p99, CPU, RSS`);
const med = (name: string, get: (x: Figures) => number) => median(single.get(name)!.map(get));
for (const k of SERVERS) {
  const ratio = (get: (x: Figures) => number) => { const b = med(k.name, get); return b ? `${(med('bfg', get) / b).toFixed(2)}x` : '—'; };
  console.log(`  ${k.name.padEnd(15)} ${COLS.map(([, get, d]) => f(med(k.name, get), d).padStart(16)).join('')}   ${k.name === 'bfg' ? '' : [(x: Figures) => x.p99, (x: Figures) => x.cpuUsPerDelivery, (x: Figures) => x.rssKiBPerConn].map(ratio).join(', ')}`);
  if (k.name === 'bfg') continue;
  for (const [name, get] of COLS) {
    rec.add({
      name: `room-fanout, one server each: ${name} vs ${k.name}`, value: med('bfg', get), unit: '',
      method: `median of ${ROUNDS} alternating rounds, one server process each, same generator and scenario`, baseline: { name: k.about, value: med(k.name, get) },
      ...(name === 'delivered' ? {} : { better: 'lower' as const }),
    });
  }
}
const untrustedSingle = SERVERS.flatMap((k) => single.get(k.name)!.map((x, i) => (x.trusted ? '' : `${k.name} round ${i + 1}`))).filter(Boolean);
console.log(`  ${untrustedSingle.length ? `UNTRUSTED runs: ${untrustedSingle.join(', ')}` : 'every run trusted'}; results: results/peers/servers-*.json\n`);

rec.note('bfg stores, numbers and acks every message and recovers reconnects; the Socket.IO app relays and acks, stores nothing.');
rec.note('One server each: bfg stores, numbers and acks; socket.io, graphql-ws, aedes, nats-server and RabbitMQ relay (aedes and RabbitMQ ack at QoS 1) and store nothing for chat history.');
rec.save();
process.exit(0);
