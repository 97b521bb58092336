/**
 * npm run bench:loadgen — (1) holds BENCH_SOCKETS idle sockets (100,000 by default) for BENCH_HOLD_S
 * against several `bfg serve` processes through several agents (each within the fd limit) and prints
 * connect errors and agent RSS per socket; (2) one agent's receive throughput, frames per CPU-second
 * with the ledger and histograms on, beside a plain `ws` client in the same run, as a ratio.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { AgentPlan } from '../../loadgen/agent/plan.js';
import type { AgentResult } from '../../loadgen/agent/result.js';
import { parseScenario } from '../../loadgen/scenario/scenario.js';
import { mergeHists, percentiles } from '../../loadgen/measure/histogram.js';
import { selfTest, selfTestText } from '../../loadgen/run/self-test.js';

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 100_000);
const HOLD_S = Number(process.env.BENCH_HOLD_S ?? 60);
const PER_PROCESS = 19_000;
const RATE = Number(process.env.BENCH_RATE ?? 4000);
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

async function gateway(): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [here('../../bin/bfg.js'), 'serve', '--port', '0', '--auth', 'none',
    '--accept-rate', '1000000', '--accept-burst', '1000000', '--heartbeat-ms', '60000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const port = await new Promise<number>((resolve) => proc.stdout!.on('data', (d) => {
    out += d;
    const m = /:(\d+) \(auth/.exec(out);
    if (m) resolve(Number(m[1]));
  }));
  return { proc, url: `ws://127.0.0.1:${port}` };
}

async function agent(plan: AgentPlan): Promise<AgentResult> {
  const child = fork(here('../../loadgen/agent/main.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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

/** (1) many idle sockets through several agents and gateways */
async function hold() {
  const n = Math.ceil(SOCKETS / PER_PROCESS);
  const per = Math.ceil(SOCKETS / n);
  const gws = await Promise.all(Array.from({ length: n }, gateway));
  const ramp = per / (RATE / n);
  const results = await Promise.all(gws.map((g, i) => agent(basePlan(per, g.url, i, { arrival_rate: RATE / n, duration_s: ramp + HOLD_S }))));
  for (const g of gws) g.proc.kill('SIGKILL');
  const peak = results.reduce((a, r) => a + r.stats.peak_connections, 0);
  const errors = results.reduce((a, r) => a + r.stats.connect_errors, 0);
  const rssPer = results.reduce((a, r) => a + (r.rss_per_socket_bytes ?? 0) * r.stats.peak_connections, 0) / Math.max(1, peak);
  return { n, peak, errors, rssPer, untrusted: results.flatMap((r) => r.trust.why) };
}

async function blaster(): Promise<{ proc: ChildProcess; url: string }> {
  const proc = fork(here('./targets.js'), ['blast'], { env: { ...process.env, BLAST_S: '5' } });
  const [hello] = (await once(proc, 'message')) as [{ port: number }];
  return { proc, url: `ws://127.0.0.1:${hello.port}` };
}

/** plain ws client in its own process: frames per CPU-second, parsing each frame */
async function plainClient(url: string, sockets: number): Promise<number> {
  const code = `
    import WebSocket from "ws";
    let frames = 0, open = ${sockets};
    const c0 = process.cpuUsage();
    for (let i = 0; i < ${sockets}; i++) {
      const ws = new WebSocket('${url}/?user=p' + i, 'bfg.v1.json');
      ws.on('open', () => ws.send(JSON.stringify({ op: 'join', room: 'plain' + i })));
      ws.on('message', (d) => { JSON.parse(String(d)); frames++; });
      ws.on('close', () => { if (--open === 0) { const c = process.cpuUsage(c0); process.send({ frames, cpu_s: (c.user + c.system) / 1e6 }); process.exit(0); } });
    }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], cwd: here('../../..') });
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
  const plain = await plainClient(b.url, sockets);
  b.proc.kill();
  return {
    lean: r.received / r.trust.cpu_s, plain, ledger: r.counts, untrusted: r.trust.why,
    lag: percentiles(mergeHists([r.hists.lag ?? ''])), proc: percentiles(mergeHists([r.hists.proc ?? ''])),
  };
}

const floor = await selfTest();
const tp = await throughput();
const h = await hold();
console.log(`\nbfg load generator — measured on this machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}, fd limit per process 20000`);
console.log(`hold: ${SOCKETS} sockets planned over ${h.n} agents and ${h.n} gateway processes, arrival ${RATE}/s, held ${HOLD_S} s`);
console.log(`  concurrent sockets reached (measured):   ${h.peak}`);
console.log(`  connect errors (measured):               ${h.errors}   target 0`);
console.log(`  agent RSS per socket (measured, marginal from 10% to 100% open): ${(h.rssPer / 1024).toFixed(2)} KiB   target <= 3 KiB`);
if (h.untrusted.length) console.log(`  agents saturated: ${h.untrusted.join('; ')}`);
console.log('receive throughput of one client process, 10 sockets, frames per CPU-second (measured):');
console.log(`  bfg agent (lean socket + ledger + HDR histograms): ${tp.lean.toFixed(0)}`);
console.log(`  plain ws client (ws + JSON.parse):                 ${tp.plain.toFixed(0)}`);
console.log(`  ratio bfg/plain: ${(tp.lean / tp.plain).toFixed(2)}   target >= 2.00`);
console.log(`  (the agent's ledger over the blast: delivered ${tp.ledger.delivered}, lost ${tp.ledger.lost}, duplicated ${tp.ledger.duplicated})`);
console.log(`  generator error bar at this load (measured): send lag p50 ${tp.lag.p50_ms} ms, p99 ${tp.lag.p99_ms} ms, max ${tp.lag.max_ms} ms over ${tp.lag.count} sends; receive processing per read p50 ${tp.proc.p50_ms} ms, p99 ${tp.proc.p99_ms} ms`);
console.log(selfTestText(floor));
