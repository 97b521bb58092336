/**
 * `serve.front: haproxy`: the run's gateway nodes behind one HAProxy TCP front (scripts/haproxy.sh:
 * leastconn, /health checks, PROXY v2 — the nodes run with --proxy-protocol), so the generator
 * reaches the fleet at one address as real clients do. Each second the front's own count of
 * connections per node is read from its stats socket (`show stat`: scur), which shows how even
 * leastconn keeps them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BfgError } from '../../protocol/index.js';

const SCRIPT = fileURLToPath(new URL('../../../scripts/haproxy.sh', import.meta.url));

/** connections per node as the front counted them at second t of the run */
export interface FrontSample { t: number; per_node: number[] }

export interface Front { url: string; samples: FrontSample[]; stop(): Promise<void> }

/** a free loopback port (the kernel picks one, then lets it go for HAProxy to bind) */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** `show stat` on the admin socket: scur of each server line of the backend, in node order */
function perNode(socket: string, nodes: number): Promise<number[] | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const c = net.connect(socket, () => c.end('show stat\n'));
    c.setTimeout(500, () => c.destroy());
    c.on('data', (d) => (text += d));
    c.on('error', () => resolve(undefined));
    c.on('close', () => {
      const lines = text.split('\n');
      const head = (lines[0] ?? '').replace(/^# /, '').split(',');
      const [px, sv, scur] = ['pxname', 'svname', 'scur'].map((k) => head.indexOf(k));
      const out = new Array<number>(nodes).fill(0);
      for (const l of lines.slice(1)) {
        const f = l.split(',');
        const m = f[px] === 'bfg_nodes' ? /^node(\d+)$/.exec(f[sv] ?? '') : null;
        if (m && Number(m[1]) <= nodes) out[Number(m[1]) - 1] = Number(f[scur]) || 0;
      }
      resolve(scur < 0 ? undefined : out);
    });
  });
}

/** Starts the front before `ports` and samples it each second from `t0`; refuses with the fix when haproxy is missing. */
export async function startFront(ports: number[], t0: () => number): Promise<Front> {
  const front = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bfg-front-'));
  const env = { ...process.env, BFG_HAPROXY_DIR: dir };
  try {
    await promisify(execFile)('bash', [SCRIPT, 'start', String(front), ...ports.map(String)], { env, timeout: 30_000 });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const why = ((err as { stderr?: string }).stderr || (err as Error).message).trim();
    throw new BfgError('unreachable', `serve.front haproxy: ${why} (scripts/setup.sh installs Debian's haproxy)`);
  }
  const samples: FrontSample[] = [];
  const timer = setInterval(() => void perNode(path.join(dir, 'admin.sock'), ports.length).then((n) => {
    if (n) samples.push({ t: Math.round((Date.now() - t0()) / 1000), per_node: n });
  }), 1000);
  return {
    url: `ws://127.0.0.1:${front}`, samples,
    stop: async () => {
      clearInterval(timer);
      await promisify(execFile)('bash', [SCRIPT, 'stop', String(front)], { env }).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The peak of each node's connection count behind the front, and how uneven the spread was at the busiest second. */
export function frontSpread(samples: readonly FrontSample[]): { peak_per_node: number[]; busiest: number[]; max_over_mean: number } | undefined {
  if (!samples.length) return undefined;
  const peak = samples[0].per_node.map((_, i) => Math.max(...samples.map((s) => s.per_node[i] ?? 0)));
  const busiest = samples.reduce((a, s) => (s.per_node.reduce((x, y) => x + y, 0) > a.per_node.reduce((x, y) => x + y, 0) ? s : a)).per_node;
  const mean = busiest.reduce((a, b) => a + b, 0) / busiest.length;
  return { peak_per_node: peak, busiest, max_over_mean: mean > 0 ? Math.max(...busiest) / mean : 1 };
}
