/** `--serve`: starts `bfg serve` node processes for the run, and samples each with pidusage. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pidusage from 'pidusage';
import { BfgError } from '../../protocol/index.js';
import type { ServerSample } from '../result.js';
import { startFront, type Front } from './front.js';
import { pinnedCommand, type Placement } from './placement.js';

const BFG = fileURLToPath(new URL('../../bin/bfg.js', import.meta.url));

/** the run's gateway: its node processes, the URLs the generator connects to (the front's alone, behind one), and samples */
export interface Served { procs: ChildProcess[]; urls: string[]; admin: string; samples: ServerSample[]; front?: Front; kill(node: number, signal?: 'SIGKILL' | 'SIGTERM'): void; stop(): Promise<void> }

/** writes a gateway's output to this run's stderr, each whole line named by its node (`[n3] …`) */
function forward(label: string, stream: NodeJS.ReadableStream): void {
  createInterface({ input: stream }).on('line', (l) => {
    if (l) process.stderr.write(`[${label}] ${l}\n`);
  });
}

function node(args: readonly string[], label: string, placement?: Placement): Promise<{ proc: ChildProcess; port: number }> {
  const [cmd, argv] = pinnedCommand(placement ?? { unpinned: '' }, [process.execPath, BFG, 'serve', '--port', '0', '--auth', 'none', '--admin', ...args]);
  const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const on = (d: Buffer) => {
      out += d;
      const m = /listening on ws:\/\/[^:]+:(\d+)/.exec(out);
      if (!m) return;
      proc.stdout!.off('data', on).resume(); // read on (a full pipe would stall the gateway), show nothing
      proc.stderr!.off('data', on);
      // what a gateway says on stderr while the run goes on (a node taken for dead, a bus message
      // dropped, an internal error) reaches the user, not a buffer nobody reads
      forward(label, proc.stderr!);
      resolve({ proc, port: Number(m[1]) });
    };
    proc.stdout!.on('data', on);
    proc.stderr!.on('data', on);
    proc.once('exit', (code) => reject(new BfgError('bad_option', `bfg serve ${args.join(' ')} exited ${code}: ${out.trim()}`)));
  });
}

/** Starts `nodes` gateway processes (a Redis fleet when nodes > 1) with the given extra flags, behind an HAProxy front with `front`. */
export async function startGateway(args: readonly string[], t0: () => number, nodes = 1, redis?: string, placement?: Placement, front: 'none' | 'haproxy' = 'none'): Promise<Served> {
  if (nodes > 1 && !redis) throw new BfgError('bad_option', `serve.nodes ${nodes}: a fleet needs Redis: pass --redis redis://host:port (scripts/redis.sh start 6390 starts one)`);
  const fleetArgs = nodes > 1 ? ['--bus', 'redis', '--store', 'redis', '--redis', redis!] : redis ? ['--bus', 'redis', '--store', 'redis', '--redis', redis] : [];
  const proxied = front === 'haproxy' ? ['--proxy-protocol'] : [];
  const started = await Promise.all(Array.from({ length: nodes }, (_, i) => node([...fleetArgs, '--node', `n${i + 1}`, ...proxied, ...args], `n${i + 1}`, placement)));
  const procs = started.map((s) => s.proc);
  let lb: Front | undefined;
  try {
    if (front === 'haproxy') lb = await startFront(started.map((s) => s.port), t0);
  } catch (err) {
    for (const p of procs) p.kill('SIGKILL');
    throw err;
  }
  const samples: ServerSample[] = [];
  const timer = setInterval(() => {
    for (const p of procs) {
      if (p.exitCode !== null || p.signalCode !== null) continue;
      pidusage(p.pid!).then((u) => samples.push({ t: Math.round((Date.now() - t0()) / 1000), pid: p.pid!, cpu_pct: u.cpu, rss_bytes: u.memory }), () => {});
    }
  }, 1000);
  return {
    procs, samples, front: lb, urls: lb ? [lb.url] : started.map((s) => `ws://127.0.0.1:${s.port}`), admin: `http://127.0.0.1:${started[0].port}/admin/close`,
    kill: (i, signal = 'SIGKILL') => procs[i].kill(signal),
    stop: async () => {
      clearInterval(timer);
      pidusage.clear();
      await lb?.stop();
      await Promise.all(procs.map((p) => (p.exitCode !== null || p.signalCode !== null ? undefined : new Promise((r) => { p.once('exit', r); p.kill('SIGTERM'); }))));
    },
  };
}
