/**
 * npm run bench:archive — can the archive keep up with a gateway? On this machine, in one run:
 *  1. the baseline: how fast one gateway node acks (`--store redis --archive`, the queue append in its
 *     script, no worker running), senders keeping a window of unacked sends for DURATION_S;
 *  2. the archive's throughput: one `bfg archive` process draining that backlog into Cassandra;
 *  3. following: the gateway acking at full speed with the worker running, the lag sampled each second.
 * It prints the worker's rate beside the node's ack rate, as a ratio (target >= 1.00x), and the lag while following.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { ArchiveQueue } from '../server/archive/queue.js';
import { startCassandra } from '../test/helpers/cassandra.js';
import { startRedis } from '../test/helpers/redis.js';
import { BenchRecord } from './record.js';

const DURATION_S = 10, CONNS = 8, WINDOW = 32;
const redis = await startRedis();
const cass = await startCassandra();
const procs: ChildProcess[] = [];
const cmd = new Redis(redis.url), reader = new Redis(redis.url);
const queue = new ArchiveQueue(reader, cmd, 'bench-observer');

/** starts a gateway process, resolving with its port */
function gateway(): Promise<number> {
  const p = spawn(process.execPath, ['dist/bin/bfg.js', 'serve', '--port', '0', '--auth', 'none', '--store', 'redis', '--redis', redis.url, '--archive', cass.url,
    '--no-archive-worker', '--msg-rate', '1000000', '--msg-burst', '1000000', '--history', '100'], { stdio: ['ignore', 'pipe', 'inherit'] });
  procs.push(p);
  return new Promise((resolve, reject) => {
    let out = '';
    p.stdout!.on('data', (d: Buffer) => { out += d; const m = /listening on ws:\/\/[^:]+:(\d+)/.exec(out); if (m) resolve(Number(m[1])); });
    p.once('exit', (code) => reject(new Error(`bfg serve exited ${code}: ${out}`)));
  });
}

/** senders keep WINDOW sends in flight each for `seconds`; resolves with the acks counted */
async function saturate(port: number, seconds: number, tag: string): Promise<number> {
  let acks = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: CONNS }, (_, c) => new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/?user=${tag}${c}`);
    let n = 0, inflight = 0;
    const send = () => { while (inflight < WINDOW && Date.now() < end) { ws.send(JSON.stringify({ op: 'send', room: `${tag}-r${c % 4}`, id: `${tag}${c}-${n++}`, body: 'x'.repeat(200) })); inflight++; } };
    ws.on('message', (d: Buffer) => {
      const f = JSON.parse(d.toString()) as { op: string };
      if (f.op === 'joined') send();
      if (f.op !== 'ack') return;
      acks++;
      inflight--;
      if (Date.now() < end) send();
      else if (inflight === 0) { ws.close(); resolve(); }
    });
    ws.on('open', () => ws.send(JSON.stringify({ op: 'join', room: `${tag}-r${c % 4}` })));
    ws.on('error', reject);
  })));
  return acks;
}

/** starts a `bfg archive` worker process */
function worker(name: string): ChildProcess {
  const p = spawn(process.execPath, ['dist/bin/bfg.js', 'archive', '--from', redis.url, '--to', cass.url, '--name', name, '--batch', '500'], { stdio: 'ignore' });
  procs.push(p);
  return p;
}

const rec = new BenchRecord('archive');
try {
  const port = await gateway();
  await saturate(port, 2, 'warm'); // JIT and Redis warm; its backlog is drained with the rest
  const t0 = Date.now();
  const acked = await saturate(port, DURATION_S, 'base');
  const ackRate = acked / ((Date.now() - t0) / 1000);
  const backlog = (await queue.lag()).messages;
  const d0 = Date.now();
  const w = worker('bench-1');
  while ((await queue.lag()).messages > 0) await new Promise((r) => setTimeout(r, 100));
  const drainRate = backlog / ((Date.now() - d0) / 1000);
  // following: full-speed acks with the worker running; the lag sampled each second
  const lags: number[] = [];
  const timer = setInterval(() => void queue.lag().then((l) => lags.push(l.messages)), 1000);
  const f0 = Date.now();
  const followed = await saturate(port, DURATION_S, 'follow');
  const followRate = followed / ((Date.now() - f0) / 1000);
  clearInterval(timer);
  const lagEnd = (await queue.lag()).messages;
  w.kill('SIGTERM');
  const ratio = drainRate / ackRate;
  const machine = `${os.cpus()[0]?.model} x${os.cpus().length}`;
  rec.add({ name: 'archive worker: messages written to Cassandra per second (draining a backlog)', value: Math.round(drainRate), unit: 'msgs/s', method: `one bfg archive process, batch 500, draining the ${backlog}-message queue a ${DURATION_S} s full-speed run left; single-node Cassandra 5.0 on the same machine`, better: 'higher', baseline: { name: 'one gateway node acking at full speed (--store redis --archive, no worker)', value: Math.round(ackRate) }, target: '>= 1.00x the node\'s ack rate', met: ratio >= 1 });
  rec.add({ name: 'archive lag at the end of a full-speed run with the worker following', value: lagEnd, unit: 'msgs', method: `${CONNS} senders x ${WINDOW} in flight for ${DURATION_S} s at ${Math.round(followRate)} acks/s; lag sampled each second: ${lags.join(', ')}`, better: 'lower' });
  console.log(`\narchive bench — measured on this machine: ${machine}, node ${process.version}; gateway, Redis, Cassandra, the worker and the senders share it`);
  console.log(`one gateway node acks (no worker running)        ${Math.round(ackRate).toString().padStart(8)} msgs/s  (${acked} in ${DURATION_S} s, ${CONNS} senders x ${WINDOW} in flight, 200-byte bodies)`);
  console.log(`one archive worker drains into Cassandra         ${Math.round(drainRate).toString().padStart(8)} msgs/s  (${backlog} queued)   ${ratio.toFixed(2)}x the node's ack rate (target >= 1.00x: ${ratio >= 1 ? 'met' : 'NOT met'})`);
  console.log(`following a full-speed node (worker running)     ${Math.round(followRate).toString().padStart(8)} acks/s; lag each second: ${lags.join(', ')}; at the end ${lagEnd}`);
} finally {
  for (const p of procs) p.kill('SIGKILL');
  cmd.disconnect();
  reader.disconnect();
  cass.close();
  redis.stop();
}
rec.save();
process.exit(0);
