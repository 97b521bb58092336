import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { Gateway } from '../../server/gateway.js';
import { gatewayOptions, type GatewayOptions } from '../../server/options.js';
import { TestClient } from '../helpers/client.js';
import { startServe } from '../helpers/cli.js';
import { startNode } from '../helpers/gateway.js';
import { startKafka } from '../helpers/kafka.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

let redis: TestRedis;
let admin: Redis;
const gateways: Gateway[] = [];
const STREAM = 'bfg:notify';

async function node(name: string, extra: Partial<GatewayOptions> = {}) {
  const n = await startNode({ node: name, bus: 'redis', store: 'redis', redis: redis.url, notify: 'redis', msgRate: 10_000, msgBurst: 10_000, ...extra });
  gateways.push(n.gw);
  return n;
}

type Rec = { key: string; user: string; room: string; seq: string; from: string; ts: string };
async function records(user?: string): Promise<Rec[]> {
  const rows = (await admin.xrange(STREAM, '-', '+')) as [string, string[]][];
  const out = rows.map(([, f]) => Object.fromEntries(f.reduce<[string, string][]>((a, v, i) => (i % 2 ? a : [...a, [v, f[i + 1]]]), [])) as Rec);
  return user === undefined ? out : out.filter((r) => r.user === user);
}

/** waits until `user` shows online (or offline) to the fleet's presence, as the append script reads it */
async function presenceIs(c: TestClient, user: string, online: boolean): Promise<void> {
  await until(async () => {
    const n = c.frames.length;
    c.send({ op: 'presence', users: [user] });
    const [p] = await c.waitFor((f) => f.op === 'presence' && c.frames.indexOf(f) >= n);
    return (p as { online: Record<string, boolean> }).online[user] === online;
  }, 10_000, `${user} ${online ? 'online' : 'offline'}`);
}

describe('offline notifications (--notify redis, real redis-server)', () => {
  before(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
  });
  after(async () => {
    for (const g of gateways) await g.close();
    admin.disconnect();
    redis.stop();
  });

  test('DMs to a user who never connected: one record each; once the user is online, none', async () => {
    const [n1, n2] = [await node('o1'), await node('o2')];
    const s = await TestClient.connect(`${n1.url}/?user=sender`);
    for (let i = 0; i < 30; i++) s.send({ op: 'dm', to: 'away', id: `d${i}`, body: 'hi' });
    await s.waitFor((f) => f.op === 'ack', 30);
    s.send({ op: 'dm', to: 'away', id: 'd3', body: 'hi' }); // a retry of an acked id: stored once, notified once
    await s.waitFor((f) => f.op === 'ack', 31);
    let recs = await records('away');
    assert.equal(recs.length, 30);
    assert.deepEqual(recs.map((r) => Number(r.seq)), Array.from({ length: 30 }, (_, i) => i + 1));
    assert.equal(new Set(recs.map((r) => r.key)).size, 30, 'an idempotency key per record');
    const r0 = recs[0];
    assert.deepEqual([r0.room, r0.from, r0.user], ['dm:away:sender', 'sender', 'away']);
    assert.match(r0.key, /^dm:away:sender\/[0-9a-f-]+\/1\/away$/);
    assert.ok(Math.abs(Number(r0.ts) - Date.now()) < 60_000);
    // the sender is online: a DM back to it notifies nobody
    const away = await TestClient.connect(`${n2.url}/?user=away`);
    await presenceIs(s, 'away', true);
    for (let i = 0; i < 10; i++) s.send({ op: 'dm', to: 'away', id: `e${i}`, body: 'hi' });
    await away.waitFor((f) => f.op === 'msg', 10);
    away.send({ op: 'dm', to: 'sender', id: 'back', body: 'yo' });
    await away.waitFor((f) => f.op === 'ack');
    recs = await records();
    assert.equal(recs.filter((r) => r.user === 'away').length, 30, 'no record while online');
    assert.equal(recs.filter((r) => r.user === 'sender').length, 0);
    s.close(); away.close();
  });

  test('a room message notifies the offline users its meta.mentions names, never an online one nor the sender', async () => {
    const n = await node('o3');
    const a = await TestClient.connect(`${n.url}/?user=ma`), b = await TestClient.connect(`${n.url}/?user=mb`);
    await a.join('mroom'); await b.join('mroom');
    await presenceIs(a, 'mb', true);
    a.send({ op: 'send', room: 'mroom', id: 'x1', body: '@mb @mc @ma', meta: { mentions: ['mb', 'mc', 'ma', 'mc'] } });
    await a.waitFor((f) => f.op === 'ack');
    const recs = (await records()).filter((r) => r.room === 'mroom');
    assert.deepEqual(recs.map((r) => r.user), ['mc']);
    a.send({ op: 'send', room: 'mroom', id: 'x2', body: 'x', meta: { mentions: 'mc' } });
    const [e] = await a.waitFor((f) => f.op === 'error');
    assert.equal((e as { code: string }).code, 'bad_frame');
    a.close(); b.close();
  });

  test('a node SIGKILLed mid-run: every DM stored has exactly one record, none twice, none missing', async (t) => {
    const doomed = await startServe(['--auth', 'none', '--node', 'doomed', '--bus', 'redis', '--store', 'redis', '--redis', redis.url, '--notify', 'redis', '--msg-rate', '100000', '--msg-burst', '100000', '--history', '5000']);
    // a retry is stored once within the last --history messages of its room: enough for every retry here
    const survivor = await node('o4', { history: 5000 });
    const N = 3000;
    let s = await TestClient.connect(`ws://127.0.0.1:${doomed.port}/?user=killer`);
    for (let i = 0; i < N; i++) s.send({ op: 'dm', to: 'sleeper', id: `k${i}`, body: 'x' });
    // killed while the DMs are in flight: some acked, some stored but not acked, some never read
    await s.waitFor((f) => f.op === 'ack', 1);
    doomed.proc.kill('SIGKILL');
    await s.waitClose(10_000);
    const acked = new Set(s.frames.filter((f) => f.op === 'ack').map((f) => (f as { id: string }).id));
    assert.ok(acked.size < N, `the kill came mid-run (${acked.size} of ${N} acked)`);
    // the client retries what it has no ack for, with the same ids, on the surviving node
    s = await TestClient.connect(`${survivor.url}/?user=killer`);
    const rest = Array.from({ length: N }, (_, i) => `k${i}`).filter((id) => !acked.has(id));
    for (const id of rest) s.send({ op: 'dm', to: 'sleeper', id, body: 'x' });
    await s.waitFor((f) => f.op === 'ack', rest.length, 30_000);
    const recs = await records('sleeper');
    const seqs = recs.map((r) => Number(r.seq)).sort((x, y) => x - y);
    assert.equal(new Set(recs.map((r) => r.key)).size, recs.length, 'no duplicate record');
    assert.deepEqual(seqs, Array.from({ length: N }, (_, i) => i + 1), 'one record per stored DM, none missing');
    const log = (await admin.xrange('bfg:{dm:killer:sleeper}:log', '-', '+')).length;
    assert.equal(log, N, 'every DM stored once');
    t.diagnostic(`acked before the kill ${acked.size} of ${N}; retried on the survivor ${rest.length}; records ${recs.length}, distinct keys ${new Set(recs.map((r) => r.key)).size}`);
    s.close();
  });

  test('--notify redis is refused without the Redis store, naming the fix', () => {
    assert.throws(() => gatewayOptions({ notify: 'redis' }), /notify: --notify redis needs --store redis/);
  });
});

describe('offline notifications relayed to Kafka (--notify kafka, real Kafka and Redis)', () => {
  test('DMs to an offline user reach the topic once each, keyed by user with the idempotency key; the Redis buffer drains; a second node shares the relaying', async () => {
    const r = await startRedis();
    const kafka = await startKafka();
    const topic = `notify-${Date.now()}`;
    const gws: Gateway[] = [];
    const consumer = new Kafka({ clientId: 'notify-test', brokers: kafka.brokers.split(','), logLevel: logLevel.NOTHING }).consumer({ groupId: `t-${Date.now()}` });
    try {
      for (const name of ['nk1', 'nk2']) {
        gws.push((await startNode({ node: name, bus: 'redis', store: 'redis', redis: r.url, notify: 'kafka', kafka: kafka.brokers, notifyTopic: topic, kafkaPartitions: 2, msgRate: 10_000, msgBurst: 10_000 })).gw);
      }
      const s = await TestClient.connect(`ws://127.0.0.1:${gws[0].port}/?user=kafkasender`);
      const N = 200;
      for (let i = 0; i < N; i++) s.send({ op: 'dm', to: i % 2 ? 'offa' : 'offb', id: `k${i}`, body: 'x' });
      await s.waitFor((f) => f.op === 'ack', N, 30_000);
      const got: { key: string; value: { key: string; user: string; seq: number } }[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => { got.push({ key: message.key!.toString(), value: JSON.parse(message.value!.toString()) }); } });
      await until(() => got.length >= N, 60_000, `${N} records on the topic`);
      assert.equal(new Set(got.map((g) => g.value.key)).size, N, 'each record once');
      assert.ok(got.every((g) => g.key === g.value.user), 'keyed by user');
      for (const user of ['offa', 'offb']) {
        const seqs = got.filter((g) => g.value.user === user).map((g) => g.value.seq);
        assert.deepEqual(seqs, Array.from({ length: N / 2 }, (_, i) => i + 1), `${user}: in order on its partition`);
      }
      const probe = new Redis(r.url);
      await until(async () => Number(await probe.xlen('bfg:notify')) === 0, 10_000, 'the Redis buffer trimmed').finally(() => probe.disconnect());
      s.close();
    } finally {
      await consumer.disconnect().catch(() => {});
      for (const g of gws) await g.close();
      kafka.stop();
      r.stop();
    }
  });
});
