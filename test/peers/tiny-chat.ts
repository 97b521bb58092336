/**
 * "tiny-chat": a small JSON chat server with a handshake, acks and pings, for the plugin example
 * (examples/tiny-chat-adapter.mjs). `drop` plants a fault: the n-th event to one recipient is not sent;
 * `mute` never answers hello; `noProtocol` picks no subprotocol.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

interface Peer { ws: WebSocket; user?: string; rooms: Set<string>; pongs: number }

export async function startTinyChat(o: { pingMs?: number; drop?: number; mute?: boolean; noProtocol?: boolean } = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/chat', handleProtocols: (p) => (!o.noProtocol && p.has('tiny-chat.v1') ? 'tiny-chat.v1' : false) });
  const rooms = new Map<string, Set<Peer>>();
  let events = 0, dropped = 0, pongs = 0, beats = 0;
  wss.on('connection', (ws) => {
    const peer: Peer = { ws, rooms: new Set(), pongs: 0 };
    const out = (f: unknown) => ws.send(JSON.stringify(f));
    ws.on('message', (d) => {
      let m: { type?: string; user?: string; room?: string; id?: string; data?: unknown };
      try { m = JSON.parse(String(d)); } catch { return out({ type: 'error', code: 'bad_json' }); }
      if (m.type === 'hello' && typeof m.user === 'string') { peer.user = m.user; return o.mute ? undefined : out({ type: 'welcome' }); }
      if (!peer.user) return ws.close(4401, 'Unauthorized');
      if (m.type === 'pong') return void pongs++;
      if (m.type === 'beat') return void beats++;
      if (m.type === 'sub' && typeof m.room === 'string') {
        (rooms.get(m.room) ?? rooms.set(m.room, new Set()).get(m.room)!).add(peer);
        peer.rooms.add(m.room);
        return out({ type: 'subscribed', room: m.room });
      }
      if (m.type === 'pub' && typeof m.room === 'string' && peer.rooms.has(m.room)) {
        out({ type: 'ok', id: m.id });
        const text = JSON.stringify({ type: 'event', room: m.room, data: m.data });
        for (const p of rooms.get(m.room) ?? []) {
          if (p === peer) continue;
          if (++events === o.drop) { dropped++; continue; }
          p.ws.send(text);
        }
        return;
      }
      out({ type: 'error', code: 'bad_frame', id: m.id });
    });
    ws.on('close', () => { for (const r of peer.rooms) rooms.get(r)?.delete(peer); });
  });
  await new Promise((r) => wss.once('listening', r));
  const ping = setInterval(() => { for (const c of wss.clients) c.send('{"type":"ping"}'); }, o.pingMs ?? 500);
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    stats: () => ({ events, dropped, pongs, beats }),
    close: () => { clearInterval(ping); for (const c of wss.clients) c.terminate(); wss.close(); },
  };
}
