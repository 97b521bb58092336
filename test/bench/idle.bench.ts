/**
 * npm run bench:idle — an idle fleet idles: BENCH_SOCKETS idle sockets (200,000 by default) through
 * `bfg load --serve` on a Redis fleet (a node per 18,000 sockets), held BENCH_HOLD_S (600). Prints
 * connect errors, the fleet's CPU (gateways, agents, Redis; % of one core) averaged after the ramp,
 * gateway RSS half-way and at the end of the hold, and Redis commands per second — beside the figures
 * the previous presence design gave on this machine (quoted from issue 15, not re-run).
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pidusage from 'pidusage';
import type { RunResult } from '../../loadgen/result.js';
import { BFG } from '../helpers/cli.js';
import { startRedis } from '../helpers/redis.js';

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 200_000);
const HOLD_S = Number(process.env.BENCH_HOLD_S ?? 600);
const RATE = Number(process.env.BENCH_RATE ?? 4000);
const nodes = Math.ceil(SOCKETS / 18_000);
const rampS = SOCKETS / RATE;

const redis = await startRedis();
const admin = new Redis(redis.url);
const scenario = path.join(os.tmpdir(), 'bfg-idle.yaml');
writeFileSync(scenario, JSON.stringify({
  name: 'idle', description: 'idle sockets: connect, join, hold', users: SOCKETS, arrival_rate: RATE, duration_s: rampS + HOLD_S,
  rooms: { size: 10 }, messages: { rate_per_room: 0 }, drain_s: 0,
  serve: { nodes, args: ['--accept-rate', '100000', '--accept-burst', '100000', '--max-rooms', '10'] },
  thresholds: ['connect_errors == 0'],
}));
const t0 = Date.now();
const load = spawn(process.execPath, [BFG, 'load', scenario, '--serve', '--redis', redis.url, '--no-progress', '--out', '/tmp/bfg-idle.json'], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
load.stdout.on('data', (d) => (out += d));

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

const samples: { t: number; cpu: { gateways: number; agents: number; redis: number }; rss: number }[] = [];
let cmds0: { t: number; n: number } | undefined;
const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await admin.info('stats'))?.[1]);
const timer = setInterval(async () => {
  const p = pids();
  const all = [...p.gateways, ...p.agents, ...p.redis];
  if (!all.length) return;
  const u = (await pidusage(all).catch(() => ({}))) as Record<number, { cpu: number; memory: number } | undefined>;
  const sum = (xs: number[], k: 'cpu' | 'memory') => xs.reduce((a, x) => a + (u[x]?.[k] ?? 0), 0);
  const t = (Date.now() - t0) / 1000;
  samples.push({ t, cpu: { gateways: sum(p.gateways, 'cpu'), agents: sum(p.agents, 'cpu'), redis: sum(p.redis, 'cpu') }, rss: sum(p.gateways, 'memory') });
  if (!cmds0 && t > rampS + 30) cmds0 = { t, n: await commands() };
}, 5000);
const cmdsAtEnd = new Promise<{ t: number; n: number }>((resolve) => setTimeout(async () => resolve({ t: (Date.now() - t0) / 1000, n: await commands() }), (rampS + HOLD_S - 2) * 1000));
await new Promise((r) => load.on('exit', r));
clearInterval(timer);
const cmds1 = await cmdsAtEnd;
const r = JSON.parse(readFileSync('/tmp/bfg-idle.json', 'utf8')) as RunResult;
const after = samples.filter((s) => s.t > rampS + 30 && s.t < rampS + HOLD_S - 2);
const avg = (k: 'gateways' | 'agents' | 'redis') => after.reduce((a, s) => a + s.cpu[k], 0) / Math.max(1, after.length);
const rssAt = (t: number) => samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best), samples[0]).rss;
const half = rssAt(rampS + HOLD_S / 2), end = rssAt(rampS + HOLD_S - 5);
console.log(`\nbench:idle — measured on ${os.cpus()[0]?.model} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}: gateways, agents and Redis on this one machine`);
console.log(`  ${SOCKETS} idle sockets planned, ${nodes} Redis-backed gateway nodes, arrival ${RATE}/s (ramp ${rampS.toFixed(0)} s), held ${HOLD_S} s`);
console.log(`  sockets reached ${r.stats.peak_connections}, connect errors ${r.stats.connect_errors}   target 0`);
console.log(`  fleet CPU after the ramp (avg, % of one core): total ${(avg('gateways') + avg('agents') + avg('redis')).toFixed(1)}%  = gateways ${avg('gateways').toFixed(1)}% + agents ${avg('agents').toFixed(1)}% + Redis ${avg('redis').toFixed(1)}%   target < 25%`);
console.log(`  gateway RSS (sum): half-way through the hold ${(half / 2 ** 20).toFixed(0)} MiB, at its end ${(end / 2 ** 20).toFixed(0)} MiB: ${(((end - half) / half) * 100).toFixed(1)}%   target within ±2%`);
if (cmds0) console.log(`  Redis commands per second after the ramp: ${((cmds1.n - cmds0.n) / (cmds1.t - cmds0.t)).toFixed(1)}`);
console.log('  before (previous presence design, quoted from issue 15, same machine): 199,003 of 200,000 reached, 648 connect errors, fleet CPU 100–180% while idle, gateway RSS growing ~17 MiB/s');
admin.disconnect();
redis.stop();
process.exit(0);
