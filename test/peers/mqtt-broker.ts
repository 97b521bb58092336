/**
 * An MQTT broker over WebSocket on `aedes` (subprotocol mqtt). `drop` plants a fault: the n-th
 * message forwarded to a subscriber other than its publisher is not sent.
 */
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';

export async function startMqttBroker(o: { drop?: number } = {}) {
  let others = 0, dropped = 0, pings = 0, forwarded = 0;
  const broker = await Aedes.createBroker({
    // the generator's users are <run>-u<id> and their client ids <user>-<dial>: a stamp's s names the publisher
    authorizeForward: (client, packet) => {
      forwarded++;
      let s: unknown;
      try { s = (JSON.parse(packet.payload.toString()) as { stamp?: { s?: unknown } }).stamp?.s; } catch { /* not ours */ }
      if (client && !client.id.includes(`-u${String(s)}-`) && ++others === o.drop) { dropped++; return null; }
      return packet;
    },
  });
  broker.on('ping', () => void pings++);
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/mqtt', handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
  wss.on('connection', (ws, req) => broker.handle(createWebSocketStream(ws) as never, req));
  await new Promise((r) => wss.once('listening', r));
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    stats: () => ({ forwarded, dropped, pings }),
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((r) => broker.close(() => r()));
    },
  };
}

// run as a process (bench:peers measures its CPU and RSS apart from the generator's)
if (process.argv[1]?.endsWith('mqtt-broker.js')) {
  const broker = await startMqttBroker();
  console.log(`aedes mqtt broker listening on ${broker.url}`);
}
