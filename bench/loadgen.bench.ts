/**
 * npm run bench:loadgen — (1) generator memory per idle socket, counted from process start: each
 * client (the bfg agent, a plain `ws` client, Artillery 2, and Tsung when Debian's tsung is installed)
 * is started fresh to hold N idle sockets (BENCH_COUNTS, default 5000,10000,15000) against the same
 * sink (one `bfg serve` per run); its whole RSS (process tree) is read from /proc while every socket is
 * open. The per-socket figure is the slope of a least-squares fit of RSS over the sockets the sink saw
 * held, across the runs — everything a socket costs, only the fitted base left out — with RSS/N beside
 * it. (2) receive throughput: one agent (lean socket, stamp, ledger, HDR histograms) beside a `ws`
 * client doing the same measurement work (read the seq and stamp in place with the agent's reader,
 * check the seq, record the latency in an HDR histogram), frames per CPU-second against the same
 * blaster, as a ratio; and beside a `ws` client that parses every frame, printed as such.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { AGENT_NODE_FLAGS, type AgentPlan } from '../loadgen/agent/plan.js';
import type { AgentResult } from '../loadgen/agent/result.js';
import { parseScenario } from '../loadgen/scenario/scenario.js';
import { mergeHists, percentiles } from '../loadgen/measure/histogram.js';
import { selfTest, selfTestText } from '../loadgen/run/self-test.js';
import { listening } from '../test/helpers/proc.js';
import { until } from '../test/helpers/wait.js';
import { available, startHolder, treeRss, type Holder } from './holders.js';

import { BenchRecord } from './record.js';
const COUNTS = (process.env.BENCH_COUNTS ?? '5000,10000,15000').split(',').map(Number);
const HOLDERS: Holder[] = ['bfg agent', 'ws client', 'net floor', 'artillery', 'tsung'];
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const TARGET_KIB = 2.5;
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const BFG = here('../bin/bfg.js');

/** one holder, one count: the RSS of its process tree once the sink holds (nearly) all its sockets */
async function holdOnce(h: Holder, n: number): Promise<{ n: number; held: number; rss: number }> {
  // any Origin: Tsung sends one (its host), which a browser-facing gateway would refuse
  const sink = await listening([BFG, 'serve', '--port', '0', '--auth', 'none', '--allowed-origins', '*', '--accept-rate', '100000', '--accept-burst', '100000', '--heartbeat-ms', '60000', '--max-connections', '19000']);
  const http = sink.url.replace('ws:', 'http:');
  const held = async () => ((await (await fetch(`${http}/health`)).json()) as { connections: number }).connections;
  const holdS = 6;
  const proc = startHolder(h, sink.url, n, RATE, holdS + n / RATE + 40);
  let last = 0, rss = 0;
  try {
    // settled: every socket open, or no new one for 3 s (a holder that cannot hold them all)
    let since = Date.now();
    await until(async () => {
      const c = await held();
      if (c > last) [last, since] = [c, Date.now()];
      return c >= n || Date.now() - since > 10_000;
    }, n / RATE * 1000 + 90_000, `${h} to open ${n} sockets`);
    // RSS a second later, the peak of a few readings while every socket is held
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 300));
      rss = Math.max(rss, treeRss(proc.pid!));
    }
    last = await held();
  } finally {
    proc.kill('SIGKILL');
    sink.proc.kill('SIGKILL');
    if (h === 'tsung') spawn('pkill', ['-9', '-f', 'tsung']);
  }
  return { n, held: last, rss };
}

/** least-squares slope and intercept of y over x */
function fit(xs: number[], ys: number[]): { slope: number; base: number } {
  const mx = xs.reduce((a, x) => a + x, 0) / xs.length, my = ys.reduce((a, y) => a + y, 0) / ys.length;
  const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / Math.max(1e-9, xs.reduce((a, x) => a + (x - mx) ** 2, 0));
  return { slope, base: my - slope * mx };
}

async function agent(plan: AgentPlan): Promise<AgentResult> {
  const child = fork(here('../loadgen/agent/main.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: AGENT_NODE_FLAGS });
  let result: AgentResult | undefined;
  child.on('message', (m: { result?: AgentResult; error?: string }) => {
    if (m.result) result = m.result;
    if (m.error) console.error(m.error);
  });
  child.send(plan);
  await once(child, 'exit');
  if (!result) throw new Error(`agent ${plan.agent} died`);
  return result;
}

function basePlan(users: number, target: string, agentNo: number, over: Record<string, unknown>): AgentPlan {
  const scenario = parseScenario({ name: 'bench', users, rooms: { size: 10 }, messages: { rate_per_room: 0 }, drain_s: 0, ...over });
  return { scenario, agent: agentNo, first: 0, end: users, target, targets: [target], run: `b${agentNo}`, t0: Date.now() + 1000,
    addresses: Array.from({ length: 50 }, (_, i) => `127.0.0.${i + 2}`) };
}

async function blaster(): Promise<{ proc: ChildProcess; url: string }> {
  const proc = fork(here('./targets.js'), ['blast'], { env: { ...process.env, BLAST_S: '5' } });
  const [hello] = (await once(proc, 'message')) as [{ port: number }];
  return { proc, url: `ws://127.0.0.1:${hello.port}` };
}

/**
 * A `ws` client in its own process doing the agent's measurement work per frame: read the seq and the
 * stamp, check the seq, record the latency. `scan` reads them in place with the agent's own reader
 * (loadgen/protocols/fast-msg.ts, a full parse only where it gives up), so the two differ only in the
 * socket and frame handling; `parse` calls JSON.parse on every frame, as a plain client would.
 */
async function plainClient(url: string, sockets: number, read: 'scan' | 'parse'): Promise<number> {
  const fast = new URL('../loadgen/protocols/fast-msg.js', import.meta.url).href;
  const code = `
    import WebSocket from "ws";
    import * as hdr from "hdr-histogram-js";
    import { fastMsg } from ${JSON.stringify(fast)};
    const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3600000000, numberOfSignificantValueDigits: 3 });
    let frames = 0, open = ${sockets}, gaps = 0;
    const c0 = process.cpuUsage();
    for (let i = 0; i < ${sockets}; i++) {
      const ws = new WebSocket('${url}/?user=p' + i, 'bfg.v1.json');
      let last = -1;
      const room = 'plain' + i;
      ws.on('open', () => ws.send(JSON.stringify({ op: 'join', room })));
      ws.on('message', (d) => {
        const f = ${read === 'scan' ? "fastMsg(d, room) ?? JSON.parse(String(d))" : 'JSON.parse(String(d))'};
        frames++;
        const t = f.op === undefined ? f.t : f.op === 'msg' ? f.meta?.t : undefined;
        if (t === undefined) return;
        if (last >= 0 && f.seq !== last + 1) gaps++;
        last = f.seq;
        h.recordValue(Math.max(1, Math.round((Date.now() - t) * 1000)));
      });
      ws.on('close', () => { if (--open === 0) { const c = process.cpuUsage(c0); process.send({ frames, gaps, cpu_s: (c.user + c.system) / 1e6 }); process.exit(0); } });
    }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], cwd: here('../..') });
  const [m] = (await once(child, 'message')) as [{ frames: number; cpu_s: number }];
  return m.frames / m.cpu_s;
}

async function throughput() {
  const sockets = 10;
  let b = await blaster();
  // a few sends a second while the blast comes in: their lag is the generator's error bar at this load
  const r = await agent(basePlan(sockets, b.url, 0, { arrival_rate: 1000, duration_s: 6.5, send_after_s: 0.5, rooms: { size: sockets }, messages: { rate_per_room: 50 }, reconnect: { policy: 'never' } }));
  b.proc.kill();
  b = await blaster();
  const plain = await plainClient(b.url, sockets, 'scan');
  b.proc.kill();
  b = await blaster();
  const parsing = await plainClient(b.url, sockets, 'parse');
  b.proc.kill();
  return {
    lean: r.received / r.trust.cpu_s, plain, parsing, ledger: r.counts, untrusted: r.trust.why,
    lag: percentiles(mergeHists([r.hists.lag ?? ''])), proc: percentiles(mergeHists([r.hists.proc ?? ''])),
  };
}

const floor = await selfTest();
const tp = await throughput();
const machine = `${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}`;
console.log(`\nbench:loadgen — measured on ${machine}; every client and the sink on this machine`);
console.log(`(1) RSS per idle socket counted from process start: each client started fresh per run, ${COUNTS.join(' / ')} sockets arriving at ${RATE}/s into one \`bfg serve\`;`);
console.log('    RSS of the client\'s process tree from /proc with every socket open; slope of a least-squares fit of RSS over the sockets the sink held');
const rows: Record<string, { slope: number; base: number; runs: { n: number; held: number; rss: number }[] }> = {};
for (const h of HOLDERS) {
  if (!available(h)) {
    console.log(`  ${h.padEnd(10)} not installed here (apt-get install tsung): not measured`);
    continue;
  }
  const runs = [];
  for (const n of COUNTS) runs.push(await holdOnce(h, n).catch((err) => ({ n, held: 0, rss: 0, err: (err as Error).message })));
  const ok = runs.filter((r) => r.held > 0);
  const per = runs.map((r) => `${r.n}: held ${r.held}, ${(r.rss / 2 ** 20).toFixed(0)} MiB = ${r.held ? (r.rss / r.held / 1024).toFixed(1) : '—'} KiB/socket`).join('; ');
  if (ok.length < 2) {
    // no fit from fewer than two runs that held sockets: the holder failed here, and says so
    console.log(`  ${h.padEnd(10)} held sockets in ${ok.length} of ${runs.length} runs: not measured   [${per}]`);
    continue;
  }
  const f = fit(ok.map((r) => r.held), ok.map((r) => r.rss));
  rows[h] = { ...f, runs: ok };
  console.log(`  ${h.padEnd(10)} ${(f.slope / 1024).toFixed(2)} KiB per socket (fit), base ${(f.base / 2 ** 20).toFixed(0)} MiB   [${per}]`);
}
const agentSlope = rows['bfg agent']?.slope ?? NaN;
for (const [h, r] of Object.entries(rows)) if (h !== 'bfg agent') console.log(`  ratio bfg agent / ${h}: ${(agentSlope / r.slope).toFixed(2)} per socket${h === 'net floor' ? ' (net floor: a bare net.Socket per connection, upgraded and held: what a Node client on net.Socket pays before its own objects; the agent holds the libuv TCP handle without a net.Socket)' : ''}`);
console.log(`  target <= ${TARGET_KIB} KiB per socket: ${agentSlope / 1024 <= TARGET_KIB ? 'met' : 'NOT met'}, ${(agentSlope / 1024).toFixed(2)} KiB`);
const rec = new BenchRecord('loadgen');
for (const [h, r] of Object.entries(rows)) {
  if (h === 'bfg agent') continue;
  rec.add({ name: `generator RSS per idle socket, bfg agent vs ${h}`, value: agentSlope / 1024, unit: 'KiB', method: `slope of RSS over ${COUNTS.join(' / ')} held sockets, each client fresh, counted from process start`, baseline: { name: h, value: r.slope / 1024 }, better: 'lower' });
}
rec.add({ name: 'generator RSS per idle socket, bfg agent', value: agentSlope / 1024, unit: 'KiB', method: 'as above', target: `<= ${TARGET_KIB} KiB`, met: agentSlope / 1024 <= TARGET_KIB });
rec.add({ name: 'receive throughput of one client process', value: tp.lean, unit: 'frames per CPU-second', method: '10 sockets against the blaster; the baseline does the same measurement work (stamp and seq read in place, seq check, HDR histogram) on ws', baseline: { name: 'ws client', value: tp.plain }, better: 'higher' });
rec.add({ name: 'generator send lag p99 at the receive-throughput point', value: tp.lag.p99_ms, unit: 'ms', method: `over ${tp.lag.count} sends` });
console.log('(2) receive throughput of one client process, 10 sockets against the blaster, frames per CPU-second (measured):');
console.log(`  bfg agent (lean socket, stamp, ledger, HDR histograms):          ${tp.lean.toFixed(0)}`);
console.log(`  ws client (ws, the agent's in-place stamp and seq reader, seq check, HDR histogram): ${tp.plain.toFixed(0)}`);
console.log(`  ratio bfg/ws: ${(tp.lean / tp.plain).toFixed(2)}  (the baseline doing the same measurement work: only the socket and frame handling differ)`);
console.log(`  ws client that JSON.parses every frame (what a plain client does):  ${tp.parsing.toFixed(0)}; bfg/that: ${(tp.lean / tp.parsing).toFixed(2)} (not the fair baseline: it parses what the agent does not)`);
console.log(`  (the agent's ledger over the blast: delivered ${tp.ledger.delivered}, lost ${tp.ledger.lost}, duplicated ${tp.ledger.duplicated})`);
console.log(`  generator error bar at this load (measured): send lag p50 ${tp.lag.p50_ms} ms, p99 ${tp.lag.p99_ms} ms, max ${tp.lag.max_ms} ms over ${tp.lag.count} sends; receive processing per read p50 ${tp.proc.p50_ms} ms, p99 ${tp.proc.p99_ms} ms`);
console.log(selfTestText(floor));
rec.save();
process.exit(0);
