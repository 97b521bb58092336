/** RFC 6455 conformance of the lean client against a test server built on `ws` (legal fragments and raw invalid frames). */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { randomPooled } from '../../../loadgen/client/codec.js';
import { upgradeRequest } from '../../../loadgen/client/handshake.js';
import { LeanSocket, type LeanHandler } from '../../../loadgen/client/lean-socket.js';
import { rawFrame } from '../../helpers/fragment.js';
import { until } from '../../helpers/wait.js';

type Case = (ws: WebSocket, raw: (b: Buffer) => void) => void;
const MAX = 1024;

const CASES: Record<string, Case> = {
  'fragmented-text': (ws) => { ws.send('hel', { fin: false }); ws.ping('x'); ws.send('lo wo', { fin: false }); ws.ping('y'); ws.send('rld ✓', { fin: true }); },
  'fragmented-binary': (ws) => { ws.send(Buffer.from([1, 2]), { binary: true, fin: false }); ws.ping(); ws.send(Buffer.from([3]), { binary: true, fin: true }); },
  'unfragmented-then-fragmented': (ws) => { ws.send('one'); ws.send('t', { fin: false }); ws.send('wo', { fin: true }); ws.send('three'); },
  'continuation-without-start': (_ws, raw) => raw(rawFrame(0x80, Buffer.from('x'))),
  'data-inside-fragmented': (_ws, raw) => raw(Buffer.concat([rawFrame(0x01, Buffer.from('a')), rawFrame(0x81, Buffer.from('b'))])),
  'big-control': (_ws, raw) => raw(rawFrame(0x89, Buffer.alloc(126, 1))),
  'fragmented-control': (_ws, raw) => raw(rawFrame(0x09, Buffer.from('p'))),
  'reserved-bits': (_ws, raw) => raw(rawFrame(0xc1, Buffer.from('x'))),
  'unknown-opcode': (_ws, raw) => raw(rawFrame(0x83, Buffer.from('x'))),
  'masked': (_ws, raw) => raw(Buffer.from([0x81, 0x81, 1, 2, 3, 4, 0x41])),
  'invalid-utf8': (_ws, raw) => raw(rawFrame(0x81, Buffer.from([0xc3, 0x28]))),
  'invalid-utf8-fragmented': (_ws, raw) => raw(Buffer.concat([rawFrame(0x01, Buffer.from([0xe2, 0x82])), rawFrame(0x80, Buffer.from([0x28]))])),
  'too-big': (ws) => ws.send('x'.repeat(MAX + 1)),
  'too-big-fragmented': (ws) => { ws.send('x'.repeat(600), { fin: false }); ws.send('y'.repeat(600), { fin: true }); },
  'too-big-declared': (_ws, raw) => raw(Buffer.from([0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0])), // 4 GiB announced, never sent
  'server-close': (ws) => ws.close(4001, 'bye'),
  'client-close': () => {},
};

interface Seen { messages: { data: Buffer; binary: boolean }[]; close?: { code: number; reason: string }; protocol: number[]; opened: boolean }

// both transports: the bare TCP handle (the default) and net.Socket (host names, BFG_TCP=net)
for (const transport of ['raw', 'net'] as const) describe(`the lean client speaks RFC 6455 (${transport} TCP)`, () => {
  let wss: WebSocketServer;
  let url: string;
  const serverClose = new Map<string, number>();
  const pongs = new Map<string, number>();
  const open = new Set<WebSocket>();
  let accepted = 0;
  before(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    wss.on('connection', (ws, req) => {
      const name = new URL(req.url!, 'http://x').searchParams.get('case')!;
      ws.on('close', (code) => serverClose.set(name, code));
      open.add(ws);
      accepted++;
      (ws as unknown as { caseName: string }).caseName = name;
      ws.on('close', () => open.delete(ws));
      ws.on('pong', () => pongs.set(name, (pongs.get(name) ?? 0) + 1));
      ws.on('error', () => {});
      const sock = (ws as unknown as { _socket: Socket })._socket;
      CASES[name](ws, (b) => sock.write(b));
    });
  });
  after(() => new Promise<void>((r) => {
    for (const c of wss.clients) c.terminate(); // ws does not close live connections on close()
    wss.close(() => r());
  }));

  const run = async (name: string, then?: (s: LeanSocket) => void): Promise<Seen> => {
    const seen: Seen = { messages: [], protocol: [], opened: false };
    const h: LeanHandler = {
      transport,
      maxMessageBytes: MAX,
      open: (s) => { seen.opened = true; then?.(s); },
      frame: (_s, data, binary) => seen.messages.push({ data: Buffer.from(data), binary }),
      close: (_s, code, reason) => { seen.close = { code, reason }; },
      protocolError: (_s, code) => seen.protocol.push(code),
    };
    const sock = new LeanSocket(h, 0, new URL(`${url}/?case=${name}`), 'bfg.v1.json');
    const expect = { 'fragmented-text': 1, 'fragmented-binary': 1, 'unfragmented-then-fragmented': 3 }[name];
    if (expect) {
      await until(() => seen.messages.length >= expect, 5000, `messages of ${name}`);
      sock.close(1000);
      await until(() => seen.close !== undefined, 5000, `the close of ${name}`);
      assert.equal(seen.close?.code, 1000, 'the server answered the close handshake');
    } else await until(() => seen.close !== undefined, 5000, `the close of ${name}`);
    return seen;
  };

  test('fragments are reassembled, with pings between them answered', async () => {
    const t = await run('fragmented-text');
    assert.deepEqual(t.messages.map((m) => m.data.toString()), ['hello world ✓']);
    assert.equal(t.messages[0].binary, false);
    await until(() => pongs.get('fragmented-text') === 2, 5000, 'two pongs');
    const b = await run('fragmented-binary');
    assert.deepEqual([...b.messages[0].data], [1, 2, 3]);
    assert.equal(b.messages[0].binary, true);
    const m = await run('unfragmented-then-fragmented');
    assert.deepEqual(m.messages.map((x) => x.data.toString()), ['one', 'two', 'three']);
  });

  const violations: [string, number][] = [
    ['continuation-without-start', 1002], ['data-inside-fragmented', 1002], ['big-control', 1002], ['fragmented-control', 1002],
    ['reserved-bits', 1002], ['unknown-opcode', 1002], ['masked', 1002], ['invalid-utf8', 1007], ['invalid-utf8-fragmented', 1007],
    ['too-big', 1009], ['too-big-fragmented', 1009], ['too-big-declared', 1009],
  ];
  for (const [name, code] of violations) {
    test(`${name}: closes with ${code}, counted, nothing half-read is delivered`, async () => {
      const s = await run(name);
      assert.equal(s.close?.code, code, JSON.stringify(s.close));
      assert.deepEqual(s.protocol, [code], 'counted once');
      assert.equal(s.messages.length, 0);
      await until(() => serverClose.get(name) === code, 5000, `the server to see close ${code}`);
    });
  }

  test('a server close is answered with a close frame echoing its code: the server sees a clean close', async () => {
    const s = await run('server-close');
    assert.deepEqual(s.close, { code: 4001, reason: 'bye' });
    await until(() => serverClose.get('server-close') === 4001, 5000, 'the server close event');
  });

  test('a client close waits for the server\'s close; the code the user sees is the server\'s', async () => {
    const s = await run('client-close', (sock) => sock.close(1000));
    assert.equal(s.close?.code, 1000);
    assert.notEqual(s.close?.reason, 'connection ended');
    await until(() => serverClose.get('client-close') === 1000, 5000, 'the server to see 1000');
  });

  test('every connection of these cases ended on the server side too (no half-open leftovers)', async () => {
    // cases of its own, so that run alone it still checks connections that were made and ended
    const before = accepted;
    await run('fragmented-text');
    await run('masked');
    assert.equal(accepted - before, 2, 'the server saw both connections');
    await until(() => open.size === 0, 10_000, `server-side connections to end: ${[...open].map((w) => (w as unknown as { caseName: string }).caseName)}`);
  });
});

test('pooled randomness: every handshake key is 16 fresh bytes and every mask 4, across pool refills', () => {
  const keys = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    // a mask between keys moves the pool's cursor off 16-byte boundaries, so some keys straddle a refill
    assert.equal(randomPooled(4).length, 4);
    const { request } = upgradeRequest('h', '/');
    const key = /Sec-WebSocket-Key: (\S+)/.exec(request)![1];
    assert.equal(Buffer.from(key, 'base64').length, 16, key);
    keys.add(key);
  }
  assert.equal(keys.size, 2000, 'no key repeats');
});
