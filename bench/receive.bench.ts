/**
 * npm run bench:receive — one agent's receive throughput (frames per agent CPU-second, ledger and
 * histograms on, 10 sockets against the blaster) of this build beside another git revision's
 * (BENCH_BASE, default HEAD~1), built in a worktree under .cache/, in alternating rounds (BENCH_ROUNDS,
 * default 3): a receive-path change is held to "no slower" in the same run on the same machine.
 */
import { execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { BenchRecord } from './record.js';
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const repo = path.resolve(here('../..'));
const BASE = process.env.BENCH_BASE ?? 'HEAD~1';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** builds a revision in its own worktree (once) and returns its dist folder */
function build(rev: string): string {
  const sha = execFileSync('git', ['rev-parse', '--short', rev], { cwd: repo, encoding: 'utf8' }).trim();
  const dir = path.join(repo, '.cache', `bench-base-${sha}`);
  if (!existsSync(path.join(dir, 'dist'))) {
    mkdirSync(path.join(repo, '.cache'), { recursive: true });
    if (!existsSync(dir)) execFileSync('git', ['worktree', 'add', '--detach', dir, sha], { cwd: repo, stdio: 'ignore' });
    if (!existsSync(path.join(dir, 'node_modules'))) symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
    execFileSync(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir, stdio: 'inherit' });
  }
  return path.join(dir, 'dist');
}

async function blaster(): Promise<{ kill: () => void; url: string }> {
  const proc = fork(here('./targets.js'), ['blast'], { env: { ...process.env, BLAST_S: '5' } });
  const [hello] = (await once(proc, 'message')) as [{ port: number }];
  return { kill: () => proc.kill(), url: `ws://127.0.0.1:${hello.port}` };
}

/** frames per agent CPU-second of the agent in `dist` */
async function run(dist: string): Promise<number> {
  const { parseScenario } = (await import(path.join(dist, 'loadgen/scenario/scenario.js'))) as { parseScenario: (o: object) => unknown };
  const b = await blaster();
  // exponential with a long base: no redial within the run, a policy every revision knows
  const scenario = parseScenario({ name: 'receive', users: 10, rooms: { size: 10 }, messages: { rate_per_room: 0 }, drain_s: 0, arrival_rate: 1000,
    duration_s: 6.5, reconnect: { policy: 'exponential', base_ms: 600_000, cap_ms: 600_000 } });
  const plan = { scenario, agent: 0, first: 0, end: 10, target: b.url, targets: [b.url], run: 'r', t0: Date.now() + 1000, addresses: [] };
  const child = fork(path.join(dist, 'loadgen/agent/main.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let result: { received: number; trust: { cpu_s: number } } | undefined;
  child.on('message', (m: { result?: typeof result }) => { if (m.result) result = m.result; });
  child.send(plan);
  await once(child, 'exit');
  b.kill();
  if (!result) throw new Error(`the agent of ${dist} reported nothing`);
  return result.received / result.trust.cpu_s;
}

const baseDist = build(BASE);
const thisDist = path.join(repo, 'dist');
const base: number[] = [], now: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  base.push(await run(baseDist));
  now.push(await run(thisDist));
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
const ratios = base.map((b, i) => now[i] / b);
new BenchRecord('receive').add({ name: 'agent receive throughput', value: med(now), unit: 'frames per agent CPU-second', method: `10 sockets against the blaster, median of ${ROUNDS} alternating rounds`, baseline: { name: `revision ${BASE}`, value: med(base) }, better: 'higher', target: '>= 0.95x', met: med(ratios) >= 0.95 }).save();
console.log(`receive throughput of one agent, 10 sockets against the blaster, frames per agent CPU-second (measured on ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}; ${ROUNDS} alternating rounds)`);
console.log(`  ${BASE.padEnd(10)} ${base.map((x) => x.toFixed(0)).join(', ')}   median ${med(base).toFixed(0)}`);
console.log(`  ${'this build'.padEnd(10)} ${now.map((x) => x.toFixed(0)).join(', ')}   median ${med(now).toFixed(0)}`);
console.log(`  this/base per round ${ratios.map((r) => r.toFixed(3)).join(', ')}; median ${med(ratios).toFixed(3)}   target >= 0.95 (no more than 5% slower): ${med(ratios) >= 0.95 ? 'met' : 'NOT met'}`);
