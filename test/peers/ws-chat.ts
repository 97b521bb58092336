/**
 * A plain `ws` chat server for the template adapter's tests: {"type":"join","room"} answers
 * {"type":"joined","room"}; {"type":"publish","room",…} goes to every other member as
 * {"type":"message",…}. A planted fault sends every Nth message twice, counted in `stats`.
 * Run as a process: node ws-chat.js [--port P] [--dup-every N]
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** Starts the server; resolves with its port, what it planted, and a close function. */
export async function startWsChat(o: { port?: number; dupEvery?: number } = {}) {
  const stats = { messages: 0, duplicated_deliveries: 0 };
  const rooms = new Map<string, Set<WebSocket>>();
  const wss = new WebSocketServer({ port: o.port ?? 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => ws.on('message', (data) => {
    let f: { type?: string; room?: string };
    try { f = JSON.parse(String(data)); } catch { return; }
    if (typeof f.room !== 'string') return;
    if (f.type === 'join') {
      (rooms.get(f.room) ?? rooms.set(f.room, new Set()).get(f.room)!).add(ws);
      ws.once('close', () => rooms.get(f.room!)?.delete(ws));
      return ws.send(JSON.stringify({ type: 'joined', room: f.room }));
    }
    if (f.type !== 'publish') return;
    const out = JSON.stringify({ ...f, type: 'message' });
    const twice = !!o.dupEvery && ++stats.messages % o.dupEvery === 0;
    for (const peer of rooms.get(f.room) ?? []) {
      if (peer === ws) continue;
      peer.send(out);
      if (twice) { peer.send(out); stats.duplicated_deliveries++; }
    }
  }));
  await new Promise((r) => wss.once('listening', r));
  return { port: (wss.address() as AddressInfo).port, stats, close: () => new Promise((r) => wss.close(r)) };
}

if (process.argv[1]?.endsWith('ws-chat.js')) {
  const arg = (k: string) => { const i = process.argv.indexOf(k); return i > 0 ? process.argv[i + 1] : undefined; };
  const app = await startWsChat({ port: Number(arg('--port') ?? 0), dupEvery: Number(arg('--dup-every') ?? 0) });
  console.log(`ws chat listening on ws://127.0.0.1:${app.port}`);
}
