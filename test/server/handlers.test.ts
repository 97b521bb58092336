import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeFrame, signToken } from '../../protocol/index.js';
import { TestClient, stillWorks } from '../helpers/client.js';
import { startGateway } from '../helpers/gateway.js';
import { until } from '../helpers/wait.js';

type G = Awaited<ReturnType<typeof startGateway>>;

describe('gateway: every bad input gets its error and the connection keeps working', () => {
  let g: G;
  let c: TestClient;
  before(async () => {
    g = await startGateway({ maxBody: 1000, maxRooms: 2, msgRate: 1000, msgBurst: 1000 });
    c = await TestClient.connect(`${g.url}/?user=eve`);
  });
  after(async () => { c.close(); await g.gw.close(); });

  const cases: [string, () => void, string][] = [
    ['invalid JSON', () => c.raw('{"op":"join",'), 'bad_frame'],
    ['not an object', () => c.raw('[1,2,3]'), 'bad_frame'],
    ['missing op', () => c.raw('{"room":"x"}'), 'bad_frame'],
    ['unknown op', () => c.raw('{"op":"explode"}'), 'unknown_op'],
    ['missing field', () => c.raw('{"op":"send","room":"x","id":"1"}'), 'bad_frame'],
    ['wrong type', () => c.raw('{"op":"join","room":42}'), 'bad_frame'],
    ['negative after', () => c.raw('{"op":"join","room":"x","after":-1}'), 'bad_frame'],
    ['binary frame on a JSON session', () => c.raw(Buffer.from([1, 2, 3]), true), 'bad_frame'],
    ['send to a room not joined', () => c.send({ op: 'send', room: 'elsewhere', id: 'n1', body: 'x' }), 'not_member'],
    ['leave a room not joined', () => c.send({ op: 'leave', room: 'elsewhere' }), 'not_member'],
    ['join a DM room of other users', () => c.send({ op: 'join', room: 'dm:amy:bob' }), 'forbidden'],
  ];
  for (const [name, act, code] of cases) {
    test(`${name} -> error ${code}`, async () => {
      const before = c.frames.length;
      act();
      const [e] = await c.waitFor((f) => f.op === 'error' && c.frames.indexOf(f) >= before);
      assert.equal((e as { code: string }).code, code);
      assert.ok((e as { message: string }).message.length > 10, 'the message says what is wrong');
      await stillWorks(c);
    });
  }

  test('a body over maxBody -> too_large, with ref = the message id', async () => {
    await c.join('big');
    c.send({ op: 'send', room: 'big', id: 'huge', body: 'x'.repeat(2000) });
    const [e] = await c.waitFor((f) => f.op === 'error' && f.code === 'too_large');
    assert.equal((e as { ref?: string }).ref, 'huge');
    await stillWorks(c);
  });

  test('too many rooms -> too_many_rooms', async () => {
    await c.join('second');
    c.send({ op: 'join', room: 'third' });
    await c.waitFor((f) => f.op === 'error' && f.code === 'too_many_rooms');
    await stillWorks(c);
  });

});

describe('gateway: rate limits', () => {
  test('sending faster than msgRate -> rate_limited, then it recovers', async () => {
    const g = await startGateway({ msgRate: 5, msgBurst: 5 });
    const c = await TestClient.connect(`${g.url}/?user=fast`);
    await c.join('big');
    for (let i = 0; i < 12; i++) c.send({ op: 'send', room: 'big', id: `r${i}`, body: 'x' });
    await c.waitFor((f) => f.op === 'error' && f.code === 'rate_limited');
    // the bucket refills at msgRate: a later send goes through (waiting on the ack, not on a clock)
    await until(async () => {
      const id = `later-${c.frames.length}`;
      c.send({ op: 'send', room: 'big', id, body: 'x' });
      return (await c.waitFor((f) => (f.op === 'ack' && f.id === id) || (f.op === 'error' && f.ref === id))).some((f) => f.op === 'ack');
    }, 5000, 'a send accepted after the burst');
    c.close();
    await g.gw.close();
  });
});

describe('gateway: limits that close', () => {
  test('a frame over maxPayload closes with 1009 and the gateway keeps serving', async () => {
    const g = await startGateway({ maxPayload: 4096, maxBody: 1024 });
    const c = await TestClient.connect(`${g.url}/?user=big`);
    c.raw('x'.repeat(10_000));
    assert.equal((await c.waitClose()).code, 1009);
    const d = await TestClient.connect(`${g.url}/?user=next`);
    await stillWorks(d);
    d.close();
    await g.gw.close();
  });

  test('connections past the accept rate are closed with 1013 and counted', async () => {
    const g = await startGateway({ acceptRate: 0.001, acceptBurst: 2 });
    const ok1 = await TestClient.connect(`${g.url}/?user=1`);
    const ok2 = await TestClient.connect(`${g.url}/?user=2`);
    const refused = await TestClient.connect(`${g.url}/?user=3`);
    assert.equal((await refused.waitClose()).code, 1013);
    const m = await (await fetch(`${g.http}/metrics`)).text();
    assert.match(m, /bfg_rejected_connections_total\{reason="accept_rate",node="n1"\} 1/);
    ok1.close(); ok2.close();
    await g.gw.close();
  });

  test('a dead peer that never answers pings is closed by the heartbeat', async () => {
    const g = await startGateway({ heartbeatMs: 100 });
    const c = await TestClient.connect(`${g.url}/?user=ghost`);
    // stop ws from answering pings: the peer is alive at TCP level but dead at WebSocket level
    (c.ws as unknown as { pong: () => void }).pong = () => {};
    const socket = (c.ws as unknown as { _socket: { pause(): void } })._socket;
    socket.pause();
    await until(() => g.gw.hub.size === 0, 5000, 'the gateway to drop the silent peer');
    c.close();
    await g.gw.close();
  });

  test('a slow consumer past slowBytes is closed with 4008 and counted', async () => {
    const g = await startGateway({ slowBytes: 64 * 1024, msgRate: 1e6, msgBurst: 1e6 });
    const slow = await TestClient.connect(`${g.url}/?user=slow`);
    const fast = await TestClient.connect(`${g.url}/?user=fast`);
    await slow.join('flood');
    await fast.join('flood');
    const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const body = 'y'.repeat(16 * 1024);
    for (let i = 0; i < 2000; i++) fast.send({ op: 'send', room: 'flood', id: `f${i}`, body });
    await fast.waitFor((f) => f.op === 'ack', 2000, 10_000);
    socket.resume();
    assert.equal((await slow.waitClose(10_000)).code, 4008);
    const m = await (await fetch(`${g.http}/metrics`)).text();
    assert.match(m, /bfg_slow_consumer_drops_total\{node="n1"\} 1/);
    await stillWorks(fast);
    fast.close();
    await g.gw.close();
  });
});

describe('gateway: JWT auth', () => {
  const secret = 'test-secret-0123456789-0123456789-abcdef';
  let g: G;
  before(async () => { g = await startGateway({ auth: 'jwt', jwtSecret: secret }); });
  after(() => g.gw.close());

  test('a valid token names the user; its rooms claim limits joins', async () => {
    const token = await signToken(secret, { sub: 'kim', rooms: ['team-*'] });
    const c = await TestClient.connect(`${g.url}/?token=${token}`);
    const [hello] = await c.waitFor((f) => f.op === 'hello');
    assert.equal((hello as { user: string }).user, 'kim');
    await c.join('team-a');
    c.send({ op: 'join', room: 'secret-room' });
    const [e] = await c.waitFor((f) => f.op === 'error');
    assert.equal((e as { code: string }).code, 'forbidden');
    await stillWorks(c);
    c.close();
  });

  test('a bad or missing token closes with 1008', async () => {
    for (const q of ['', '?token=nonsense', `?token=${await signToken('other-secret', { sub: 'x' })}`]) {
      const c = await TestClient.connect(`${g.url}/${q}`);
      assert.equal((await c.waitClose()).code, 1008);
    }
  });

  test('history over HTTP needs a token allowing the room', async () => {
    const token = await signToken(secret, { sub: 'kim', rooms: ['team-*'] });
    assert.equal((await fetch(`${g.http}/rooms/team-a/messages`)).status, 403);
    assert.equal((await fetch(`${g.http}/rooms/other/messages?token=${token}`)).status, 403);
    assert.equal((await fetch(`${g.http}/rooms/team-a/messages?token=${token}`)).status, 200);
  });
});

describe('gateway: msgpack sessions', () => {
  test('a msgpack client and a JSON client share a room', async () => {
    const g = await startGateway();
    const p = await TestClient.connect(`${g.url}/?user=packer`, 'msgpack');
    const j = await TestClient.connect(`${g.url}/?user=jason`);
    await p.join('mix');
    await j.join('mix');
    p.send({ op: 'send', room: 'mix', id: 'p1', body: 'from msgpack' });
    j.send({ op: 'send', room: 'mix', id: 'j1', body: 'from json' });
    const [atJ] = await j.waitFor((f) => f.op === 'msg');
    const [atP] = await p.waitFor((f) => f.op === 'msg');
    assert.equal((atJ as { body: string }).body, 'from msgpack');
    assert.equal((atP as { body: string }).body, 'from json');
    p.raw(encodeFrame({ op: 'presence', users: [] }, 'json'));
    const [e] = await p.waitFor((f) => f.op === 'error');
    assert.equal((e as { code: string }).code, 'bad_frame', 'a text frame on a msgpack session');
    p.close(); j.close();
    await g.gw.close();
  });
});
