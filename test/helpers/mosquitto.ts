/**
 * A private mosquitto (MQTT 5 and 3.1.1) for a test, never the machine's own on 1883. Debian's
 * mosquitto is built without WebSocket listeners, so the test puts a `ws` bridge in front of its TCP
 * listener: each WebSocket (subprotocol mqtt) is piped byte for byte to its own TCP connection — the
 * broker is real, the bridge only carries bytes, as a WebSocket-to-TCP proxy in front of a broker does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { freePort } from './redis.js';
import { until } from './wait.js';

/** Starts mosquitto on a free loopback port and a WebSocket bridge at /mqtt; fails (never skips) naming the fix. */
export async function startMosquitto(): Promise<{ url: string; connections: () => number; open: () => number; down: () => number; kill: (n: number) => number; stop: () => Promise<void> }> {
  if (spawnSync('mosquitto', ['-h']).error) throw new Error('mosquitto is not installed: bash scripts/setup.sh installs it (Debian package mosquitto)');
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bfg-mosquitto-test-'));
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_keepalive 65535\n`);
  const proc = spawn('mosquitto', ['-c', conf, '-v'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  await until(() => /listen socket on port/.test(err) || proc.exitCode !== null, 10_000, 'mosquitto to start');
  if (proc.exitCode !== null) throw new Error(`mosquitto exited ${proc.exitCode}: ${err}`);
  // -v logs every packet: once it listens, the log is read and dropped, not kept
  proc.stderr!.removeAllListeners('data').resume();
  let connections = 0, down = 0;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/mqtt', handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
  wss.on('connection', (ws) => {
    connections++;
    const tcp = net.connect(port, '127.0.0.1');
    const held: Buffer[] = [];
    tcp.on('connect', () => { for (const b of held.splice(0)) tcp.write(b); });
    ws.on('message', (d: Buffer) => (tcp.connecting ? held.push(d) : tcp.write(d)));
    tcp.on('data', (d) => { down += d.length; ws.send(d, { binary: true }); });
    ws.on('close', () => tcp.destroy());
    tcp.on('close', () => ws.terminate());
    tcp.on('error', () => ws.terminate());
    ws.on('error', () => tcp.destroy());
  });
  await new Promise((r) => wss.once('listening', r));
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    connections: () => connections,
    open: () => wss.clients.size,
    /** bytes the broker sent to clients so far */
    down: () => down,
    /** a fault: the server side drops n client connections at once (no close frame, as a crashed proxy would) */
    kill: (n: number) => { let k = 0; for (const c of wss.clients) if (k < n) { c.terminate(); k++; } return k; },
    stop: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
      proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
