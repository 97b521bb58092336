/**
 * A Socket.IO 4 chat app of the most common shape, for tests and the peer bench: `join` puts the
 * socket in a room, `message` is relayed unchanged to the rest of the room. Options: a Redis adapter
 * (several nodes), connection-state recovery, and a planted fault that drops every Nth message, so
 * the ledger can be checked against what was really dropped. GET /stats tells what it did.
 * Run as a process: node socketio-chat.js [--port P] [--redis URL] [--recovery] [--drop-every N]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';

export interface ChatOptions { port?: number; redis?: string; recovery?: boolean; dropEvery?: number }
export interface ChatStats { messages: number; dropped_messages: number; dropped_deliveries: number; connections: number; recovered: number }

/** Starts the app; resolves with its port, its stats and a close function. */
export async function startSocketIoChat(o: ChatOptions = {}) {
  const stats: ChatStats = { messages: 0, dropped_messages: 0, dropped_deliveries: 0, connections: 0, recovered: 0 };
  const http = createServer((req, res) => (req.url === '/stats' ? res.end(JSON.stringify(stats)) : res.writeHead(404).end()));
  const io = new Server(http, { transports: ['websocket'], connectionStateRecovery: o.recovery ? { maxDisconnectionDuration: 60_000 } : undefined });
  const redis = o.redis ? [new Redis(o.redis), new Redis(o.redis)] : [];
  if (o.redis) io.adapter(createAdapter(redis[0], redis[1]));
  io.on('connection', (socket) => {
    stats.connections++;
    if (socket.recovered) stats.recovered++;
    socket.on('join', (room: string, ack?: () => void) => { socket.join(room); ack?.(); });
    socket.on('message', (m: { room: string }, ack?: () => void) => {
      if (o.dropEvery && ++stats.messages % o.dropEvery === 0) {
        stats.dropped_messages++;
        // what the room's other members (on this node) would have got
        stats.dropped_deliveries += Math.max(0, (io.sockets.adapter.rooms.get(m.room)?.size ?? 0) - (socket.rooms.has(m.room) ? 1 : 0));
      } else socket.to(m.room).emit('message', m);
      ack?.();
    });
  });
  await new Promise<void>((r) => http.listen(o.port ?? 0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  return {
    port, stats,
    close: async () => {
      io.disconnectSockets(true);
      await new Promise((r) => io.close(r));
      for (const c of redis) c.disconnect();
    },
  };
}

if (process.argv[1]?.endsWith('socketio-chat.js')) {
  const arg = (k: string) => { const i = process.argv.indexOf(k); return i > 0 ? process.argv[i + 1] : undefined; };
  const app = await startSocketIoChat({ port: Number(arg('--port') ?? 0), redis: arg('--redis'), recovery: process.argv.includes('--recovery'), dropEvery: Number(arg('--drop-every') ?? 0) });
  console.log(`socket.io chat listening on ws://127.0.0.1:${app.port}`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}
