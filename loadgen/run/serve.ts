/** `--serve`: starts `bfg serve` as its own process for the run, and samples it with pidusage. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pidusage from 'pidusage';
import { BfgError } from '../../protocol/index.js';
import type { ServerSample } from '../result.js';

const BFG = fileURLToPath(new URL('../../bin/bfg.js', import.meta.url));

export interface Served { proc: ChildProcess; url: string; admin: string; samples: ServerSample[]; stop(): Promise<void> }

/** Starts a gateway on a free loopback port with the given extra flags. */
export async function startGateway(args: readonly string[], t0: () => number): Promise<Served> {
  const proc = spawn(process.execPath, [BFG, 'serve', '--port', '0', '--auth', 'none', '--admin', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const on = (d: Buffer) => {
      out += d;
      const m = /listening on ws:\/\/[^:]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    };
    proc.stdout!.on('data', on);
    proc.stderr!.on('data', on);
    proc.once('exit', (code) => reject(new BfgError('bad_option', `bfg serve ${args.join(' ')} exited ${code}: ${out.trim()}`)));
  });
  const samples: ServerSample[] = [];
  const timer = setInterval(() => {
    pidusage(proc.pid!).then((u) => samples.push({ t: Math.round((Date.now() - t0()) / 1000), pid: proc.pid!, cpu_pct: u.cpu, rss_bytes: u.memory }), () => {});
  }, 1000);
  return {
    proc, samples, url: `ws://127.0.0.1:${port}`, admin: `http://127.0.0.1:${port}/admin/close`,
    stop: async () => {
      clearInterval(timer);
      pidusage.clear();
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}
