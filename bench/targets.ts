/**
 * A benchmark target in its own process: `bfg` (the gateway) or `plain` (a plain `ws` server with
 * the plain broadcast loop from the ws README). Talks to the bench over IPC: reports its port, and
 * answers `cpu` with its own process.cpuUsage() and `gc` by collecting garbage.
 */
import { WebSocketServer, WebSocket } from 'ws';

const kind = process.argv[2];
let port: number;
if (kind === 'blast') {
  // streams valid msg frames to each client that joins, for BLAST_S. Frames are pre-framed in chunks
  // of 1,000 with fixed-width seqs patched in place, so the server costs little and the client is
  // the bottleneck: its CPU per frame is then what the benchmark compares.
  const blastMs = Number(process.env.BLAST_S ?? 5) * 1000;
  const BASE = 1_000_000_000; // 10-digit seqs: every frame has the same length
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => {
    ws.once('message', (d) => {
      const room = JSON.parse(String(d)).room as string;
      ws.send(JSON.stringify({ op: 'joined', room, head: BASE, epoch: 'blast', recovered: true }));
      const sample = (seq: number, t: number) => `{"op":"msg","room":"${room}","seq":${seq},"id":"b","from":"blaster","ts":${t},"body":"${'x'.repeat(32)}","meta":{"s":0,"n":1,"t":${t}}}`;
      const one = Buffer.from(sample(BASE, 1_700_000_000_000));
      const head = one.length < 126 ? 2 : 4;
      const frame = Buffer.alloc(head + one.length);
      frame[0] = 0x81;
      if (head === 2) frame[1] = one.length;
      else { frame[1] = 126; frame.writeUInt16BE(one.length, 2); }
      one.copy(frame, head);
      const seqAt = head + one.indexOf(String(BASE));
      const tsAt = head + one.indexOf('1700000000000');
      const tAt = head + one.lastIndexOf('1700000000000');
      const template = Buffer.concat(Array.from({ length: 1000 }, () => frame));
      const sock = (ws as unknown as { _socket: import('node:net').Socket })._socket;
      let seq = BASE;
      const end = Date.now() + blastMs;
      const pump = () => {
        if (Date.now() > end || ws.readyState !== WebSocket.OPEN) return ws.close();
        while (sock.writableLength < 4 << 20) {
          const chunk = Buffer.from(template);
          const t = String(Date.now());
          for (let i = 0; i < 1000; i++) {
            const o = i * frame.length;
            chunk.write(String(++seq), o + seqAt, 'latin1');
            chunk.write(t, o + tsAt, 'latin1');
            chunk.write(t, o + tAt, 'latin1');
          }
          sock.write(chunk);
        }
        setTimeout(pump, 1);
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
  // imported here only: the plain target must not carry the gateway's modules in its base RSS
  const { Gateway } = await import('../server/gateway.js');
  const gw = new Gateway({ port: 0, auth: 'none', msgRate: 1e6, msgBurst: 1e6, acceptRate: 1e6, acceptBurst: 1e6, maxRooms: 10 });
  port = await gw.listen();
}
process.on('message', (m: string) => {
  if (m === 'gc') (globalThis as { gc?: () => void }).gc?.();
  const mu = process.memoryUsage();
  process.send!({ cpu: process.cpuUsage(), rss: mu.rss, heap: mu.heapUsed, external: mu.external });
});
process.send!({ port, pid: process.pid });
