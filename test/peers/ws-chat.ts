/**
 * A plain `ws` chat server for the template adapter's tests: {"type":"join","room"} answers
 * {"type":"joined","room"}; {"type":"publish","room",…} goes to every other member as
 * {"type":"message",…}. A planted fault sends every Nth message twice, counted in `stats`. With `ack`,
 * the sender gets {"type":"ack","id"} after the relay, as bfg's sender gets its ack (for benchmarks
 * that separate the ack's cost from the rest of bfg's per-message work).
 * Run as a process: node ws-chat.js [--port P] [--dup-every N] [--heartbeat-ms MS] [--ack]
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * Starts the server; resolves with its port, what it planted, and a close function. It keeps its
 * peers alive the way ws's README does ("How to detect and close broken connections": a ping every
 * `heartbeatMs`, 25 s like bfg and Socket.IO, and a peer that sent no pong since the last is
 * terminated), so a benchmark compares servers doing the same idle work.
 */
export async function startWsChat(o: { port?: number; dupEvery?: number; heartbeatMs?: number; ack?: boolean } = {}) {
  const stats = { messages: 0, duplicated_deliveries: 0 };
  const rooms = new Map<string, Set<WebSocket>>();
  const wss = new WebSocketServer({ port: o.port ?? 0, host: '127.0.0.1' });
  const alive = new WeakSet<WebSocket>();
  const beat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) { ws.terminate(); continue; }
      alive.delete(ws);
      ws.ping();
    }
  }, o.heartbeatMs ?? 25_000).unref();
  wss.on('close', () => clearInterval(beat));
  // one listener shared by every socket, as in ws's README
  function heartbeat(this: WebSocket) { alive.add(this); }
  wss.on('connection', (ws) => {
    alive.add(ws);
    ws.on('pong', heartbeat);
    ws.on('message', (data) => relay(ws, data));
  });
  function relay(ws: WebSocket, data: unknown): void {
    let f: { type?: string; room?: string };
    try { f = JSON.parse(String(data)); } catch { return; }
    if (typeof f.room !== 'string') return;
    if (f.type === 'join') {
      (rooms.get(f.room) ?? rooms.set(f.room, new Set()).get(f.room)!).add(ws);
      ws.once('close', () => rooms.get(f.room!)?.delete(ws));
      ws.send(JSON.stringify({ type: 'joined', room: f.room }));
      return;
    }
    if (f.type !== 'publish') return;
    const out = JSON.stringify({ ...f, type: 'message' });
    const twice = !!o.dupEvery && ++stats.messages % o.dupEvery === 0;
    for (const peer of rooms.get(f.room) ?? []) {
      if (peer === ws) continue;
      peer.send(out);
      if (twice) { peer.send(out); stats.duplicated_deliveries++; }
    }
    if (o.ack) ws.send(JSON.stringify({ type: 'ack', id: (f as { id?: unknown }).id }));
  }
  await new Promise((r) => wss.once('listening', r));
  return { port: (wss.address() as AddressInfo).port, stats, close: () => new Promise((r) => wss.close(r)) };
}

if (process.argv[1]?.endsWith('ws-chat.js')) {
  const arg = (k: string) => { const i = process.argv.indexOf(k); return i > 0 ? process.argv[i + 1] : undefined; };
  const app = await startWsChat({ port: Number(arg('--port') ?? 0), dupEvery: Number(arg('--dup-every') ?? 0), heartbeatMs: Number(arg('--heartbeat-ms') ?? 25_000), ack: process.argv.includes('--ack') });
  console.log(`ws chat listening on ws://127.0.0.1:${app.port}`);
}
