/**
 * A benchmark target in its own process: `bfg` (the gateway) or `plain` (a plain `ws` server with
 * the plain broadcast loop from the ws README). Talks to the bench over IPC: reports its port, and
 * answers `cpu` with its own process.cpuUsage() and `gc` by collecting garbage.
 */
import { WebSocketServer, WebSocket } from 'ws';
import { Gateway } from '../../server/gateway.js';

const kind = process.argv[2];
let port: number;
if (kind === 'blast') {
  // streams valid msg frames to each client that joins, as fast as its socket drains, for BLAST_S
  const blastMs = Number(process.env.BLAST_S ?? 5) * 1000;
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => {
    ws.once('message', (d) => {
      const room = JSON.parse(String(d)).room as string;
      ws.send(JSON.stringify({ op: 'joined', room, head: 0, epoch: 'blast', recovered: true }));
      let seq = 0;
      const end = Date.now() + blastMs;
      const pump = () => {
        if (Date.now() > end || ws.readyState !== WebSocket.OPEN) return ws.close();
        const t = performance.timeOrigin + performance.now();
        for (let i = 0; i < 100; i++) {
          seq++;
          ws.send(`{"op":"msg","room":"${room}","seq":${seq},"id":"b${seq}","from":"blaster","ts":${Math.round(t)},"body":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","meta":{"s":0,"n":${seq},"t":${t}}}`);
        }
        if (ws.bufferedAmount > 1 << 20) setTimeout(pump, 1);
        else setImmediate(pump);
      };
      pump();
    });
  });
  await new Promise((r) => wss.once('listening', r));
  port = (wss.address() as { port: number }).port;
} else if (kind === 'plain') {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      for (const c of wss.clients) if (c !== ws && c.readyState === WebSocket.OPEN) c.send(data, { binary: isBinary });
    });
  });
  await new Promise((r) => wss.once('listening', r));
  port = (wss.address() as { port: number }).port;
} else {
  const gw = new Gateway({ port: 0, auth: 'none', msgRate: 1e6, msgBurst: 1e6, acceptRate: 1e6, acceptBurst: 1e6, maxRooms: 10 });
  port = await gw.listen();
}
process.on('message', (m: string) => {
  if (m === 'gc') (globalThis as { gc?: () => void }).gc?.();
  process.send!({ cpu: process.cpuUsage(), rss: process.memoryUsage().rss });
});
process.send!({ port, pid: process.pid });
