/**
 * Client processes that hold N idle WebSocket connections to one sink, for memory per socket counted
 * from process start: the bfg agent, a plain `ws` client, Artillery 2 (its ws engine) and Tsung (when
 * Debian's tsung is installed). Each holder is one process (or process tree) started fresh; the bench
 * reads its RSS from /proc while every socket is open and asks the sink how many it really holds.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_NODE_FLAGS } from '../loadgen/agent/plan.js';
import { parseScenario } from '../loadgen/scenario/scenario.js';
import { rssBytes } from '../test/helpers/proc.js';

export type Holder = 'bfg agent' | 'ws client' | 'net floor' | 'artillery' | 'tsung';
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const ROOT = here('../..');

/** true when the holder can run on this machine (Tsung is optional) */
export function available(h: Holder): boolean {
  if (h !== 'tsung') return true;
  try {
    execFileSync('which', ['tsung'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** starts a holder of n sockets against ws://host:port, arriving at `rate` per second, for holdS after the ramp */
export function startHolder(h: Holder, url: string, n: number, rate: number, holdS: number): ChildProcess {
  const rampS = n / rate;
  if (h === 'bfg agent') {
    // started as the coordinator starts its agents, with the same Node flags
    const child = fork(here('../loadgen/agent/main.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: AGENT_NODE_FLAGS });
    const scenario = parseScenario({ name: 'hold', users: n, arrival_rate: rate, duration_s: rampS + holdS, rooms: { size: 10 }, messages: { rate_per_room: 0 }, drain_s: 0 });
    child.send({ scenario, agent: 0, first: 0, end: n, target: url, targets: [url], run: 'hold', t0: Date.now() + 200, addresses: Array.from({ length: 50 }, (_, i) => `127.0.0.${i + 2}`) });
    return child;
  }
  if (h === 'ws client') {
    // the same work per socket as the agent: open with the subprotocol, join a room, answer pings (ws does)
    const code = `
      import WebSocket from 'ws';
      let i = 0;
      const timer = setInterval(() => {
        for (let k = 0; k < ${Math.max(1, Math.round(rate / 100))} && i < ${n}; k++, i++) {
          const ws = new WebSocket('${url}/?user=w' + i, 'bfg.v1.json');
          ws.on('open', () => ws.send(JSON.stringify({ op: 'join', room: 'r' + (i % ${Math.ceil(n / 10)}) })));
          ws.on('message', () => {});
          ws.on('error', () => {});
        }
        if (i >= ${n}) clearInterval(timer);
      }, 10);
      setTimeout(() => process.exit(0), ${Math.round((rampS + holdS) * 1000)});`;
    return spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'inherit'], cwd: ROOT });
  }
  if (h === 'net floor') {
    // the floor under a Node client on net.Socket: one per connection, upgraded by a fixed request, then only held
    const { port } = new URL(url);
    const code = `
      import net from 'node:net';
      let i = 0;
      const timer = setInterval(() => {
        for (let k = 0; k < ${Math.max(1, Math.round(rate / 100))} && i < ${n}; k++, i++) {
          const s = net.connect({ host: '127.0.0.1', port: ${port}, localAddress: '127.0.0.' + (2 + (i % 50)), noDelay: true });
          s.on('data', () => {}); s.on('error', () => {});
          s.write('GET /?user=f' + i + ' HTTP/1.1\\r\\nHost: x\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\nSec-WebSocket-Version: 13\\r\\nSec-WebSocket-Protocol: bfg.v1.json\\r\\n\\r\\n');
        }
        if (i >= ${n}) clearInterval(timer);
      }, 10);
      setTimeout(() => process.exit(0), ${Math.round((rampS + holdS) * 1000)});`;
    return spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'inherit'], cwd: ROOT });
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bfg-holder-'));
  if (h === 'artillery') {
    const script = path.join(dir, 'hold.yml');
    writeFileSync(script, JSON.stringify({
      config: { target: url, phases: [{ duration: Math.ceil(rampS), arrivalCount: n }], ws: { subprotocols: ['bfg.v1.json'] } },
      scenarios: [{ engine: 'ws', flow: [{ send: '{"op":"join","room":"a"}' }, { think: Math.ceil(holdS + rampS) }] }],
    }));
    return spawn(process.execPath, [path.join(ROOT, 'node_modules/artillery/bin/run'), 'run', '--quiet', script], {
      stdio: ['ignore', 'ignore', 'ignore'], cwd: dir, env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: '1' },
    });
  }
  const { hostname, port } = new URL(url);
  const conf = path.join(dir, 'hold.xml');
  writeFileSync(conf, `<?xml version="1.0"?><!DOCTYPE tsung SYSTEM "/usr/share/tsung/tsung-1.0.dtd">
<tsung loglevel="error"><clients><client host="localhost" use_controller_vm="true" maxusers="${n + 100}"/></clients>
<servers><server host="${hostname}" port="${port}" type="tcp"/></servers>
<load><arrivalphase phase="1" duration="${Math.ceil(rampS)}" unit="second"><users maxnumber="${n}" arrivalrate="${rate}" unit="second"/></arrivalphase></load>
<sessions><session name="hold" probability="100" type="ts_websocket">
<request><websocket type="connect" path="/?user=t"></websocket></request>
<request><websocket type="message">{"op":"join","room":"t"}</websocket></request>
<thinktime value="${Math.ceil(holdS + rampS)}"/></session></sessions></tsung>`);
  return spawn('tsung', ['-f', conf, '-l', dir, 'start'], { stdio: ['ignore', 'ignore', 'ignore'], cwd: dir });
}

/** RSS of a process and all its descendants, bytes */
export function treeRss(pid: number): number {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(d)]);
    } catch { /* gone */ }
  }
  let sum = 0;
  const walk = (p: number) => {
    try { sum += rssBytes(p); } catch { /* gone */ }
    for (const k of kids.get(p) ?? []) walk(k);
  };
  walk(pid);
  return sum;
}
