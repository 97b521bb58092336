/** The security and fault review's findings, one test each, over real sockets (embedded gateway). */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { signToken, type ClientFrame } from '../../protocol/index.js';
import { gatewayOptions } from '../../server/options.js';
import { MemoryBroker } from '../../server/broker/memory.js';
import { MemoryStore } from '../../server/broker/memory.js';
import { TestClient, stillWorks } from '../helpers/client.js';
import { deepJson } from '../helpers/fuzz.js';
import { startGateway } from '../helpers/gateway.js';
import { until } from '../helpers/wait.js';

const SECRET = 'hardening-secret-0123456789abcdef-0123456789';
const send = (room: string, id: string, body: string | Uint8Array, meta?: unknown) => ({ op: 'send', room, id, body, meta }) as unknown as ClientFrame;
const errorsOf = (c: TestClient, code: string) => c.frames.filter((f) => f.op === 'error' && f.code === code);

describe('no frame crashes a node or a node that receives its fan-out', () => {
  test('deep meta, BigInt meta, and meta past maxBody are refused; JSON and msgpack members and history stay alive', async () => {
    const g = await startGateway({ msgRate: 1e6, msgBurst: 1e6 });
    const j = await TestClient.connect(`${g.url}/?user=j`);
    const p = await TestClient.connect(`${g.url}/?user=p`, 'msgpack');
    await j.join('r');
    await p.join('r');
    j.raw(`{"op":"send","room":"r","id":"deep","body":"x","meta":${deepJson(10_000)}}`);
    p.send(send('r', 'big', 'x', { n: 2n ** 62n }));
    j.send(send('r', 'fat', 'x', { s: 'x'.repeat(900_000) }));
    const [deep] = await j.waitFor((f) => f.op === 'error' && f.ref === 'deep');
    const [big] = await p.waitFor((f) => f.op === 'error' && f.ref === 'big');
    const [fat] = await j.waitFor((f) => f.op === 'error' && f.ref === 'fat');
    assert.equal((deep as { code: string }).code, 'bad_frame');
    assert.equal((big as { code: string }).code, 'bad_frame');
    assert.equal((fat as { code: string }).code, 'too_large', 'a 900 kB meta counts toward maxBody');
    assert.equal(j.frames.filter((f) => f.op === 'ack').length + p.frames.filter((f) => f.op === 'ack').length, 0, 'nothing was acked or stored');
    const h = await (await fetch(`${g.http}/rooms/r/messages?after=0`)).json() as { messages: unknown[] };
    assert.equal(h.messages.length, 0);
    j.send(send('r', 'fine', 'ok', { stamp: { s: 'j', n: 1 } }));
    await p.waitFor((f) => f.op === 'msg' && f.id === 'fine');
    await stillWorks(j);
    await stillWorks(p);
    j.close(); p.close();
    await g.gw.close();
  });
});

describe('memory is bounded for every input', () => {
  test('re-joins count against the rate limit, and a replay past the slow-consumer cap is not queued', async () => {
    const g = await startGateway({ msgRate: 10, msgBurst: 45, slowBytes: 64 * 1024 });
    const a = await TestClient.connect(`${g.url}/?user=a`);
    await a.join('log');
    for (let i = 0; i < 40; i++) a.send(send('log', `m${i}`, 'y'.repeat(4096)));
    await a.waitFor((f) => f.op === 'ack', 40);
    const r = await TestClient.connect(`${g.url}/?user=r`);
    const before = r.frames.length;
    for (let i = 0; i < 60; i++) r.send({ op: 'join', room: 'log', after: 0 });
    await r.waitFor((f) => (f.op === 'joined' || (f.op === 'error' && f.code === 'rate_limited')) && r.frames.indexOf(f) >= before, 60);
    const joined = r.frames.filter((f) => f.op === 'joined') as { recovered: boolean }[];
    assert.ok(joined.length > 0 && joined.length <= 50, `a burst of 60 joins passes only the burst of 45 and its refill (${joined.length})`);
    assert.ok(errorsOf(r, 'rate_limited').length >= 10);
    assert.ok(joined.every((j) => j.recovered === false), 'a 160 kB backlog is not replayed into a 64 kB cap');
    assert.equal(r.msgs('log').length, 0, 'no backlog frame was queued');
    assert.equal(r.closed, undefined, 'the connection stays open');
    await stillWorks(a);
    a.close(); r.close();
    await g.gw.close();
  });

  test('join/leave of 20,000 distinct rooms and 5,000 history reads of unknown rooms leave nothing behind', async () => {
    const store = new MemoryStore(100);
    const g = await startGateway({ msgRate: 1e6, msgBurst: 1e6 }, { broker: new MemoryBroker(store) });
    const c = await TestClient.connect(`${g.url}/?user=walker`);
    for (let batch = 0; batch < 20; batch++) {
      for (let i = batch * 1000; i < (batch + 1) * 1000; i++) {
        c.send({ op: 'join', room: `walk-${i}` });
        c.send({ op: 'leave', room: `walk-${i}` });
      }
      await c.waitFor((f) => f.op === 'left', (batch + 1) * 1000, 60_000);
    }
    for (let i = 0; i < 5000; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, k) => fetch(`${g.http}/rooms/nobody-${i + k}/messages`).then((r) => r.json())));
    }
    assert.equal(store.size, 0, 'no room log is left in the store');
    assert.deepEqual(g.gw.ctx.rooms.counts, { rooms: 0, state: 0, users: 1 }, 'no room state is left in the gateway');
    c.close();
    await g.gw.close();
  });

  test('writing to 1,000 ever new rooms and DMs to 500 ever new users keeps the embedded store within its budget', async () => {
    const store = new MemoryStore(100, 100_000);
    const g = await startGateway({ msgRate: 1e6, msgBurst: 1e6 }, { broker: new MemoryBroker(store) });
    const c = await TestClient.connect(`${g.url}/?user=writer`);
    const friend = await TestClient.connect(`${g.url}/?user=friend`);
    await friend.join('kept');
    await c.join('kept');
    c.send(send('kept', 'k0', 'stays'));
    for (let batch = 0; batch < 10; batch++) {
      for (let i = batch * 100; i < (batch + 1) * 100; i++) {
        c.send({ op: 'join', room: `new-${i}` });
        c.send(send(`new-${i}`, `m${i}`, 'y'.repeat(500)));
        c.send({ op: 'leave', room: `new-${i}` });
        if (i % 2 === 0) c.send({ op: 'dm', to: `stranger-${i}`, id: `d${i}`, body: 'z'.repeat(500) } as unknown as ClientFrame);
      }
      await c.waitFor((f) => f.op === 'left', (batch + 1) * 100, 60_000);
      assert.ok(store.bytes <= 100_000, `after ${(batch + 1) * 100} rooms the store holds ${store.bytes} bytes by its count`);
    }
    await c.waitFor((f) => f.op === 'ack' && f.id === 'd998');
    assert.ok(store.evicted > 1000, `logs were dropped: ${store.evicted}`);
    assert.ok(store.size < 100, `logs kept: ${store.size}`);
    // the room with members kept its log through all of it
    const late = await TestClient.connect(`${g.url}/?user=late`);
    late.send({ op: 'join', room: 'kept', after: 0 } as unknown as ClientFrame);
    const [joined] = await late.waitFor((f) => f.op === 'joined');
    assert.equal((joined as { head: number }).head, 1);
    await late.waitFor((f) => f.op === 'msg' && f.id === 'k0');
    await stillWorks(c);
    c.close(); friend.close(); late.close();
    await g.gw.close();
  });

  test('--max-rooms holds against a burst: 150 joins in one write with a limit of 100', async () => {
    const g = await startGateway({ maxRooms: 100, msgRate: 1e6, msgBurst: 1e6 });
    const c = await TestClient.connect(`${g.url}/?user=burst`);
    const socket = (c.ws as unknown as { _socket: net.Socket })._socket;
    socket.cork(); // the burst goes out in one socket write
    for (let i = 0; i < 150; i++) c.send({ op: 'join', room: `b-${i}` });
    socket.uncork();
    await c.waitFor((f) => f.op === 'joined' || (f.op === 'error' && f.code === 'too_many_rooms'), 150);
    assert.equal(c.frames.filter((f) => f.op === 'joined').length, 100);
    assert.equal(errorsOf(c, 'too_many_rooms').length, 50);
    c.close();
    await g.gw.close();
  });
  test('presence lookups are bounded per frame and rate-limited', async () => {
    const g = await startGateway({ msgRate: 1, msgBurst: 3 });
    const c = await TestClient.connect(`${g.url}/?user=looker`);
    c.send({ op: 'presence', users: Array.from({ length: 101 }, (_, i) => `u${i}`) });
    await c.waitFor((f) => f.op === 'error' && f.code === 'bad_frame');
    for (let i = 0; i < 6; i++) c.send({ op: 'presence', users: ['x'] });
    await c.waitFor((f) => f.op === 'error' && f.code === 'rate_limited');
    assert.ok(c.frames.filter((f) => f.op === 'presence').length <= 3);
    c.close();
    await g.gw.close();
  });
  test('connections that send nothing at all are dropped within the handshake timeout and stop counting', async () => {
    const g = await startGateway({ maxConnections: 50, handshakeTimeoutMs: 300 });
    const silent = await Promise.all(Array.from({ length: 40 }, () => new Promise<net.Socket>((resolve) => {
      const s = net.connect(g.port, '127.0.0.1', () => resolve(s));
      s.on('error', () => {});
      s.resume(); // reads what the server says (a 408) and so sees the close
    })));
    await until(() => g.gw.unadmittedConnections === 40, 5000, 'the silent connections counted as pending');
    await until(() => silent.every((s) => s.destroyed || s.closed || s.readableEnded), 10_000, 'every silent connection dropped');
    await until(() => g.gw.unadmittedConnections === 0, 5000, 'no pending connection left');
    const c = await TestClient.connect(`${g.url}/?user=after-silence`);
    await stillWorks(c);
    c.close();
    for (const s of silent) s.destroy();
    await g.gw.close();
  });
  test('1,000 half-open upgrades do not lock out a valid client: they count toward maxConnections and time out', async () => {
    const g = await startGateway({ maxConnections: 50, handshakeTimeoutMs: 300 });
    const half: net.Socket[] = [];
    let peak = 0;
    for (let i = 0; i < 1000; i++) {
      const s = net.connect(g.port, '127.0.0.1');
      s.on('error', () => {});
      s.resume(); // reads what the server says (a 408) and so sees the close
      s.on('connect', () => s.write('GET /?user=x HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n')); // never finished
      half.push(s);
      peak = Math.max(peak, g.gw.unadmittedConnections);
    }
    await until(() => half.every((s) => s.destroyed || s.closed || s.readableEnded), 10_000, 'every half-open upgrade dropped');
    assert.ok(peak <= 50 + 64, `pending connections stayed bounded (peak ${peak})`);
    const c = await TestClient.connect(`${g.url}/?user=valid`);
    await stillWorks(c);
    c.close();
    for (const s of half) s.destroy();
    await g.gw.close();
  });
});
describe('one access rule for every path', () => {
  test('HTTP history of a DM room: only its two users, through ?token= and Authorization: Bearer alike', async () => {
    const g = await startGateway({ auth: 'jwt', jwtSecret: SECRET });
    const alice = await TestClient.connect(`${g.url}/?token=${await signToken(SECRET, { sub: 'alice' })}`);
    alice.send({ op: 'dm', to: 'bob', id: 'd1', body: 'for bob only' });
    await alice.waitFor((f) => f.op === 'ack');
    const eve = await signToken(SECRET, { sub: 'eve' }), bob = await signToken(SECRET, { sub: 'bob' });
    assert.equal((await fetch(`${g.http}/rooms/dm:alice:bob/messages?token=${eve}`)).status, 403);
    assert.equal((await fetch(`${g.http}/rooms/dm:alice:bob/messages`, { headers: { authorization: `Bearer ${eve}` } })).status, 403);
    const ok = await fetch(`${g.http}/rooms/dm%3Aalice%3Abob/messages`, { headers: { authorization: `Bearer ${bob}` } });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { messages: unknown[] }).messages.length, 1);
    alice.close();
    await g.gw.close();
  });
  test('inbox topics are not rooms; ambiguous DM names and user ids with ":" are refused', async () => {
    const g = await startGateway({ msgRate: 1e6, msgBurst: 1e6 });
    const eve = await TestClient.connect(`${g.url}/?user=eve`);
    for (const room of ['@bob', 'dm:a:b:c', 'dm:bob:alice']) {
      eve.send({ op: 'join', room });
      const [e] = await eve.waitFor((f) => f.op === 'error' && f.ref === undefined && eve.frames.indexOf(f) >= eve.frames.length - 1);
      assert.equal((e as { code: string }).code, 'bad_frame', room);
    }
    eve.send({ op: 'dm', to: 'b:c', id: 'x', body: 'y' });
    await eve.waitFor((f) => f.op === 'error' && f.ref === 'x');
    const colon = await TestClient.connect(`${g.url}/?user=a:b`);
    assert.equal((await colon.waitClose()).code, 1008, 'a user id with ":" is refused at the upgrade');
    // bob still gets his DMs: nobody could join (or unsubscribe) his inbox
    const bob = await TestClient.connect(`${g.url}/?user=bob`);
    const amy = await TestClient.connect(`${g.url}/?user=amy`);
    amy.send({ op: 'dm', to: 'bob', id: 'hi', body: 'hello bob' });
    await bob.waitFor((f) => f.op === 'msg' && f.id === 'hi');
    await stillWorks(eve); // a round trip on eve's own socket: anything routed to her would have come before its answer
    assert.equal(eve.msgs().length, 0, 'eve read nothing');
    for (const c of [eve, bob, amy]) c.close();
    await g.gw.close();
  });
  test('a rooms pattern that would backtrack exponentially as a regex is refused at once and the connection keeps working', async () => {
    const g = await startGateway({ auth: 'jwt', jwtSecret: SECRET });
    const c = await TestClient.connect(`${g.url}/?token=${await signToken(SECRET, { sub: 'kim', rooms: ['a*a*a*a*a*a*a*a*b'] })}`);
    for (let i = 0; i < 20; i++) c.send({ op: 'join', room: 'a'.repeat(200) });
    await c.waitFor((f) => f.op === 'error' && f.code === 'forbidden', 20);
    await stillWorks(c);
    c.close();
    await g.gw.close();
  });
  test('POST /admin/close: an admin claim under --auth jwt, and no cross-origin caller', async () => {
    const g = await startGateway({ auth: 'jwt', jwtSecret: SECRET, admin: true });
    const post = (headers: Record<string, string>) => fetch(`${g.http}/admin/close?users=x`, { method: 'POST', headers });
    assert.equal((await post({})).status, 403);
    assert.equal((await post({ authorization: `Bearer ${await signToken(SECRET, { sub: 'kim' })}` })).status, 403);
    const root = `Bearer ${await signToken(SECRET, { sub: 'ops', admin: true })}`;
    assert.equal((await post({ authorization: root, origin: 'https://evil.example' })).status, 403);
    assert.equal((await post({ authorization: root })).status, 200);
    await g.gw.close();
  });
  test('the upgrade checks Origin: absent allowed, listed allowed, anything else refused', async () => {
    const g = await startGateway({ allowedOrigins: ['https://chat.example.com'] });
    const open = (origin?: string) => new Promise<number>((resolve) => {
      const ws = new WebSocket(`${g.url}/?user=alice`, origin ? { origin } : {});
      ws.on('open', () => { ws.terminate(); resolve(101); });
      ws.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    assert.equal(await open(), 101, 'no Origin: not a browser');
    assert.equal(await open('https://chat.example.com'), 101);
    assert.equal(await open('https://evil.example'), 403);
    await g.gw.close();
  });
  test('--auth none and --admin stay on loopback unless forced; secrets under 32 bytes and tokens without exp are refused', async () => {
    assert.throws(() => gatewayOptions({ auth: 'none', host: '0.0.0.0' }), /insecure-public/);
    assert.throws(() => gatewayOptions({ auth: 'jwt', jwtSecret: SECRET, admin: true, host: '0.0.0.0' }), /--admin/);
    assert.doesNotThrow(() => gatewayOptions({ auth: 'none', host: '0.0.0.0', insecurePublic: true }));
    assert.throws(() => gatewayOptions({ auth: 'jwt', jwtSecret: 'short-secret' }), /at least 32/);
    const g = await startGateway({ auth: 'jwt', jwtSecret: SECRET });
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('kim').sign(new TextEncoder().encode(SECRET));
    const c = await TestClient.connect(`${g.url}/?token=${noExp}`);
    const closed = await c.waitClose();
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /exp/);
    await g.gw.close();
  });
});
describe('acks that mean what they say (embedded store)', () => {
  test('a retry with the same id is stored once and acked with the first seq', async () => {
    const g = await startGateway();
    const a = await TestClient.connect(`${g.url}/?user=a`);
    const b = await TestClient.connect(`${g.url}/?user=b`);
    await a.join('retry');
    await b.join('retry');
    a.send(send('retry', 'same', 'once'));
    a.send(send('retry', 'same', 'once'));
    b.send(send('retry', 'same', 'other user, other message'));
    const acks = await a.waitFor((f) => f.op === 'ack', 2);
    assert.deepEqual(acks.map((x) => (x as { seq: number }).seq), [1, 1]);
    await b.waitFor((f) => f.op === 'ack');
    const h = await (await fetch(`${g.http}/rooms/retry/messages`)).json() as { head: number; messages: unknown[] };
    assert.equal(h.head, 2, 'the retry was not stored again; b\'s same id is its own message');
    assert.equal(h.messages.length, 2);
    a.close(); b.close();
    await g.gw.close();
  });

  test('a malformed %-encoding answers 400; msgpack bytes come back from HTTP as marked base64', async () => {
    const g = await startGateway();
    assert.equal((await fetch(`${g.http}/rooms/%E0%A4%A/messages`)).status, 400);
    const p = await TestClient.connect(`${g.url}/?user=p`, 'msgpack');
    await p.join('bin');
    p.send(send('bin', 'b1', new Uint8Array([0, 1, 2, 255])));
    await p.waitFor((f) => f.op === 'ack');
    const h = await (await fetch(`${g.http}/rooms/bin/messages`)).json() as { messages: { body: string; bodyEncoding?: string }[] };
    assert.equal(h.messages[0].bodyEncoding, 'base64');
    assert.deepEqual([...Buffer.from(h.messages[0].body, 'base64')], [0, 1, 2, 255]);
    p.close();
    await g.gw.close();
  });
});
