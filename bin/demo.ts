/** `bfg demo`: an embedded gateway and two users chatting through it, printed as it happens. */
import WebSocket from 'ws';
import { decodeServerFrame, type ClientFrame, type ServerFrame } from '../protocol/index.js';
import { Gateway } from '../server/gateway.js';

function user(url: string, name: string, log: (s: string) => void): Promise<{ send(f: ClientFrame): void; seen: ServerFrame[]; ws: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/?user=${name}`, 'bfg.v1.json');
    const seen: ServerFrame[] = [];
    ws.on('message', (d: Buffer) => {
      const f = decodeServerFrame(d, 'json');
      seen.push(f);
      log(`  ${name.padEnd(6)} <- ${JSON.stringify(f)}`);
    });
    ws.once('open', () => resolve({ send: (f) => ws.send(JSON.stringify(f)), seen, ws }));
    ws.once('error', reject);
  });
}

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
};

/** Runs the demo and resolves when the gateway has drained. */
export async function demo(): Promise<void> {
  const gw = new Gateway({ port: 0, auth: 'none', node: 'demo' });
  const port = await gw.listen();
  const url = `ws://127.0.0.1:${port}`;
  console.log(`bfg demo: embedded gateway (store memory, bus memory) on ${url}`);
  const log = (s: string) => console.log(s);
  const alice = await user(url, 'alice', log);
  const bob = await user(url, 'bob', log);
  alice.send({ op: 'join', room: 'lobby' });
  bob.send({ op: 'join', room: 'lobby' });
  await until(() => bob.seen.some((f) => f.op === 'joined'));
  for (let i = 1; i <= 3; i++) alice.send({ op: 'send', room: 'lobby', id: `a${i}`, body: `hello ${i}` });
  bob.send({ op: 'dm', to: 'alice', id: 'b1', body: 'hi alice, this is a DM' });
  await until(() => bob.seen.filter((f) => f.op === 'msg').length >= 3 && alice.seen.some((f) => f.op === 'msg'));
  const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
  const hist = await (await fetch(`http://127.0.0.1:${port}/rooms/lobby/messages?after=0`)).json() as { messages: unknown[] };
  console.log(`  /health -> ${JSON.stringify(health)}`);
  console.log(`  /rooms/lobby/messages -> ${hist.messages.length} stored messages`);
  console.log('bfg demo: draining (SIGTERM behaviour)');
  await gw.drain(2000);
  console.log('bfg demo: done (figures above are measured on this machine; nothing is modeled)');
}
