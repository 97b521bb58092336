/** The review's Redis findings, against real redis-servers started by scripts/redis.sh. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { dmRoom, encodeFrame, type ClientFrame } from '../../../protocol/index.js';
import { Gateway } from '../../../server/gateway.js';
import { gatewayOptions, type GatewayOptions } from '../../../server/options.js';
import { checkPersistence, openParts } from '../../../server/parts.js';
import { TestClient, stillWorks } from '../../helpers/client.js';
import { fuzzFrame, nastyMeta, rng } from '../../helpers/fuzz.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { until } from '../../helpers/wait.js';

const gateways: Gateway[] = [];
after(async () => { for (const g of gateways) await g.close().catch(() => {}); });

async function node(redis: TestRedis, name: string, extra: Partial<GatewayOptions> = {}) {
  const opts = gatewayOptions({ port: 0, auth: 'none', node: name, bus: 'redis', store: 'redis', redis: redis.url, msgRate: 1e6, msgBurst: 1e6, ...extra });
  const gw = new Gateway(opts, await openParts(opts));
  const port = await gw.listen();
  gateways.push(gw);
  return { gw, url: `ws://127.0.0.1:${port}`, http: `http://127.0.0.1:${port}` };
}
const send = (room: string, id: string, body: string, meta?: unknown) => ({ op: 'send', room, id, body, meta }) as unknown as ClientFrame;
const healthy = async (http: string) => (await fetch(`${http}/health`).catch(() => undefined))?.status === 200;

describe('acks that mean what they say (real Redis)', () => {
  test('a Redis without an append-only file is refused unless --ack-without-persistence', async () => {
    const r = await startRedis({ ephemeral: true });
    const opts = gatewayOptions({ auth: 'none', store: 'redis', bus: 'redis', redis: r.url });
    await assert.rejects(openParts(opts), /appendonly no.*--ack-without-persistence/s);
    const parts = await openParts(gatewayOptions({ ...opts, ackWithoutPersistence: true }));
    await Promise.all([parts.broker.close(), parts.presence.close()]);
    r.stop();
  });

  test('an append-only file fsynced once a second is accepted with a warning that a crash can lose acks; "always" without one', async () => {
    const [every, always] = [await startRedis({ everysec: true }), await startRedis()];
    for (const [r, want] of [[every, /fsyncs its append-only file "everysec".*crash.*appendfsync always/s], [always, undefined]] as const) {
      const admin = new Redis(r.url);
      const warning = await checkPersistence(admin, r.url, false);
      if (want) assert.match(warning ?? '', want); else assert.equal(warning, undefined);
      admin.disconnect();
      r.stop();
    }
  });

  test('members who stay connected keep receiving after a Redis restart that lost the log (new epoch)', async () => {
    const r = await startRedis({ ephemeral: true });
    const n = await node(r, 'ep1', { ackWithoutPersistence: true });
    const a = await TestClient.connect(`${n.url}/?user=a`);
    const b = await TestClient.connect(`${n.url}/?user=b`);
    await a.join('ep');
    const first = await b.join('ep');
    for (let i = 0; i < 5; i++) a.send(send('ep', `old${i}`, 'x'));
    await b.waitFor((f) => f.op === 'msg', 5);
    r.stop();
    r.start(); // ephemeral: the log is gone
    await until(() => healthy(n.http), 10_000, 'the gateway healthy again');
    for (let i = 0; i < 10; i++) a.send(send('ep', `new${i}`, 'y'));
    await a.waitFor((f) => f.op === 'ack' && f.id.startsWith('new'), 10);
    const live = await b.waitFor((f) => f.op === 'msg' && f.id.startsWith('new'), 10);
    assert.deepEqual(live.map((m) => (m as { seq: number }).seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], '10 of 10 acked, 10 delivered');
    const h = await (await fetch(`${n.http}/rooms/ep/messages`)).json() as { epoch: string };
    assert.notEqual(h.epoch, first.epoch, 'the new log has a new epoch');
    a.close(); b.close();
    r.stop();
  });

  test('with scripts/redis.sh defaults, a Redis SIGKILL and restart loses no acked message', async () => {
    const r = await startRedis();
    const n = await node(r, 'dur1');
    const a = await TestClient.connect(`${n.url}/?user=a`);
    await a.join('durable');
    for (let i = 0; i < 200; i++) a.send(send('durable', `d${i}`, `message ${i}`));
    const acks = await a.waitFor((f) => f.op === 'ack', 200);
    r.kill(); // as a crash would: no shutdown, no final save
    r.start();
    await until(() => healthy(n.http), 10_000, 'the gateway healthy again');
    const h = await (await fetch(`${n.http}/rooms/durable/messages?limit=1000`)).json() as { head: number; messages: { id: string; seq: number }[] };
    assert.equal(h.head, 200);
    assert.deepEqual(h.messages.map((m) => m.seq), acks.map((x) => (x as { seq: number }).seq).sort((x, y) => x - y).slice(-100), 'every acked message kept (the last --history 100 of them)');
    a.close();
    r.stop();
  });

  test('a retry of a send with the same id is stored once and acked with the first seq', async () => {
    const r = await startRedis();
    const n = await node(r, 'idem1');
    const a = await TestClient.connect(`${n.url}/?user=a`);
    const b = await TestClient.connect(`${n.url}/?user=b`);
    await a.join('idem');
    await b.join('idem');
    a.send(send('idem', 'once', 'hello'));
    a.send(send('idem', 'once', 'hello'));
    const acks = await a.waitFor((f) => f.op === 'ack', 2);
    assert.deepEqual(acks.map((x) => (x as { seq: number }).seq), [1, 1]);
    a.send(send('idem', 'two', 'next'));
    await b.waitFor((f) => f.op === 'msg' && f.id === 'two');
    assert.deepEqual(b.msgs('idem').map((m) => m.id), ['once', 'two'], 'delivered once');
    const admin = new Redis(r.url);
    assert.equal(await admin.xlen('bfg:{idem}:log'), 2);
    admin.disconnect();
    a.close(); b.close();
    r.stop();
  });
});

describe('bounded memory and one access rule (real Redis)', () => {
  test('join/leave of 2,000 rooms and 2,000 history reads of unknown rooms leave no key behind', async () => {
    const r = await startRedis();
    const n = await node(r, 'keys1');
    const admin = new Redis(r.url);
    const roomKeys = async () => (await admin.keys('bfg:{*')).length;
    const c = await TestClient.connect(`${n.url}/?user=walker`);
    const before = await roomKeys();
    for (let i = 0; i < 2000; i++) {
      c.send({ op: 'join', room: `walk-${i}` });
      c.send({ op: 'leave', room: `walk-${i}` });
    }
    await c.waitFor((f) => f.op === 'left', 2000, 60_000);
    for (let i = 0; i < 2000; i += 100) await Promise.all(Array.from({ length: 100 }, (_, k) => fetch(`${n.http}/rooms/ghost-${i + k}/messages`)));
    await until(async () => (await roomKeys()) === before, 5000, 'the empty rooms\' keys released');
    admin.disconnect();
    c.close();
    r.stop();
  });

  test('a room nobody writes to leaves Redis --history-ttl-s after its last message, epoch first; its next join gets a new epoch and an empty log', async () => {
    const r = await startRedis();
    const n = await node(r, 'ttl1', { historyTtlS: 1 });
    const admin = new Redis(r.url);
    const keys = (room: string) => ['seq', 'log', 'epoch', 'ids', 'ids0'].map((p) => `bfg:{${room}}:${p}`);
    const a = await TestClient.connect(`${n.url}/?user=writer`);
    const j = await a.join('quiet');
    for (let i = 0; i < 3; i++) a.send(send('quiet', `q${i}`, 'x'));
    a.send({ op: 'dm', to: 'new-peer', id: 'd1', body: 'hi' });
    await a.waitFor((f) => f.op === 'ack', 4, 10_000);
    // a DM to a never seen user expires the same way: writing to ever new peers cannot grow Redis
    for (const room of ['quiet', dmRoom('writer', 'new-peer')]) {
      const [seq, log, epoch] = await Promise.all(keys(room).slice(0, 3).map((k) => admin.pttl(k)));
      assert.ok(epoch > 0 && epoch <= 1000, `${room}: the epoch expires within the TTL (${epoch} ms)`);
      for (const t of [seq, log]) assert.ok(t > 60_000 && t <= 61_000, `${room}: the log outlives its epoch by a minute (${t} ms)`);
    }
    await until(async () => (await admin.exists(keys('quiet')[2])) === 0, 5000, 'the epoch expired');
    assert.equal(await admin.exists(keys('quiet')[1]), 1, 'the stream is still there, without its epoch');
    // a member's rejoin after the epoch expired: new epoch, nothing recovered, and the rest of the old log gone
    const b = await TestClient.connect(`${n.url}/?user=reader`);
    const k = await b.join('quiet', 3, j.epoch);
    assert.notEqual(k.epoch, j.epoch, 'a new epoch');
    assert.equal(k.recovered, false);
    assert.equal(k.head, 0, 'the new epoch starts empty');
    assert.equal(await admin.exists(keys('quiet')[0], keys('quiet')[1], keys('quiet')[3]), 0, 'the old seq, stream and ids went with the epoch');
    a.send(send('quiet', 'q9', 'after'));
    const [ack] = await a.waitFor((f) => f.op === 'ack' && (f as { id: string }).id === 'q9', 1, 10_000);
    assert.equal((ack as { seq: number }).seq, 1, 'seq 1 of the new epoch');
    const [m] = await b.waitFor((f) => f.op === 'msg', 1, 10_000);
    assert.equal((m as { seq: number }).seq, 1, 'the rejoined member gets it live');
    a.close(); b.close(); admin.disconnect(); r.stop();
  });

  test('a room written to more often than its --history-ttl-s keeps its log and epoch past that TTL', async () => {
    const r = await startRedis();
    const n = await node(r, 'ttl2', { historyTtlS: 1 });
    const admin = new Redis(r.url);
    const a = await TestClient.connect(`${n.url}/?user=talker`);
    const j = await a.join('busy');
    const started = Date.now();
    let i = 0;
    // every 250 ms for 3 TTLs: each write finds the keys' TTL run down by more than 1% and refreshes it
    while (Date.now() - started < 3000) {
      a.send(send('busy', `b${i}`, 'x'));
      await a.waitFor((f) => f.op === 'ack' && (f as { id: string }).id === `b${i}`, 1, 10_000);
      i++;
      await until(() => Date.now() - started >= i * 250, 1000, 'the next write\'s time');
    }
    assert.equal(await admin.get('bfg:{busy}:epoch'), j.epoch, 'the same epoch throughout');
    assert.equal(Number(await admin.get('bfg:{busy}:seq')), i, 'every seq kept');
    const ttl = await admin.pttl('bfg:{busy}:epoch');
    assert.ok(ttl > 0 && ttl <= 1000, `still expiring (${ttl} ms)`);
    a.close(); admin.disconnect(); r.stop();
  });

  test('--history-ttl-s 0 keeps a room\'s log without expiry', async () => {
    const r = await startRedis();
    const n = await node(r, 'ttl0', { historyTtlS: 0 });
    const admin = new Redis(r.url);
    const a = await TestClient.connect(`${n.url}/?user=keeper`);
    await a.join('kept');
    a.send(send('kept', 'k1', 'x'));
    await a.waitFor((f) => f.op === 'ack', 1, 10_000);
    for (const p of ['seq', 'log', 'epoch', 'ids']) assert.equal(await admin.pttl(`bfg:{kept}:${p}`), -1, `${p} has no TTL`);
    a.close(); admin.disconnect(); r.stop();
  });

  test('nobody can join an inbox: bob keeps getting his DMs across nodes', async () => {
    const r = await startRedis();
    const [n1, n2] = [await node(r, 'in1'), await node(r, 'in2')];
    const bob = await TestClient.connect(`${n1.url}/?user=bob`);
    const eve = await TestClient.connect(`${n1.url}/?user=eve`);
    eve.send({ op: 'join', room: '@bob' });
    eve.send({ op: 'leave', room: '@bob' });
    await eve.waitFor((f) => f.op === 'error', 2);
    const amy = await TestClient.connect(`${n2.url}/?user=amy`);
    amy.send({ op: 'dm', to: 'bob', id: 'dm1', body: 'hi bob' });
    await bob.waitFor((f) => f.op === 'msg' && f.id === 'dm1');
    await stillWorks(eve); // a round trip on eve's own socket: anything routed to her would have come before its answer
    assert.equal(eve.msgs().length, 0);
    for (const c of [bob, eve, amy]) c.close();
    r.stop();
  });
});

describe('fuzz with hostile meta against a 2-node Redis fleet', () => {
  test('JSON and msgpack members on both nodes; both nodes alive and serving afterwards', async () => {
    const r = await startRedis();
    // 3,000 frames in one burst stall the loop: shedding off, so the history read below answers what was stored
    const [n1, n2] = [await node(r, 'fz1', { shed: false }), await node(r, 'fz2', { shed: false })];
    const members = [
      await TestClient.connect(`${n1.url}/?user=mj1`), await TestClient.connect(`${n1.url}/?user=mp1`, 'msgpack'),
      await TestClient.connect(`${n2.url}/?user=mj2`), await TestClient.connect(`${n2.url}/?user=mp2`, 'msgpack'),
    ];
    for (const m of members) await m.join('fz');
    const fuzzers = [
      await TestClient.connect(`${n1.url}/?user=fj`), await TestClient.connect(`${n2.url}/?user=fp`, 'msgpack'),
    ];
    for (const f of fuzzers) await f.join('fz');
    const rand = rng(99);
    let valid = 0;
    for (let i = 0; i < 3000; i++) {
      const f = fuzzers[i % 2];
      if (i % 3 === 0) {
        const m = nastyMeta(rand);
        if (m.valid) valid++;
        if (f.format === 'json') f.raw(`{"op":"send","room":"fz","id":"m${i}","body":"x","meta":${m.json}}`);
        else f.raw(encodeFrame(send('fz', `m${i}`, 'x', m.value), 'msgpack'), true);
      } else {
        const { data, binary } = fuzzFrame(rand);
        f.raw(data, f.format === 'msgpack' ? true : binary);
      }
    }
    for (const f of fuzzers) await stillWorks(f);
    // every stored message reaches every member of both formats on both nodes, and history reads it back
    const h1 = await (await fetch(`${n1.http}/rooms/fz/messages?limit=1000`)).json() as { head: number };
    assert.ok(h1.head >= valid, `valid sends were stored (${h1.head} >= ${valid})`);
    for (const m of members) await m.waitFor((x) => x.op === 'msg' && x.seq === h1.head, 1, 20_000);
    assert.equal((await fetch(`${n2.http}/rooms/fz/messages?limit=1000`)).status, 200);
    members[0].send(send('fz', 'after', 'still here'));
    for (const m of members.slice(1)) await m.waitFor((x) => x.op === 'msg' && x.id === 'after');
    for (const m of [...members, ...fuzzers]) { await stillWorks(m); m.close(); }
    assert.ok(await healthy(n1.http) && await healthy(n2.http), 'both nodes alive');
    r.stop();
  });
});
