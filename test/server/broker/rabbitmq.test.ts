/** The RabbitMQ bus against a private RabbitMQ node (scripts/rabbitmq.sh): order, DMs, a dropped link healed, and bad settings. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { routingKey } from '../../../server/broker/rabbitmq.js';
import { Gateway } from '../../../server/gateway.js';
import { gatewayOptions, type GatewayOptions } from '../../../server/options.js';
import { openParts } from '../../../server/parts.js';
import { BfgError } from '../../../protocol/index.js';
import { runLoad } from '../../../loadgen/run/coordinator.js';
import { summary } from '../../../loadgen/run/summary.js';
import { parseScenario } from '../../../loadgen/scenario/scenario.js';
import { ephemeralCrossesNodes } from '../../helpers/ephemeral.js';
import { TestClient } from '../../helpers/client.js';
import { startRabbit } from '../../helpers/rabbitmq.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { until } from '../../helpers/wait.js';

let rabbit: Awaited<ReturnType<typeof startRabbit>>;
let redis: TestRedis;
const gateways: Gateway[] = [];

async function node(name: string, extra: Partial<GatewayOptions> = {}) {
  const opts = gatewayOptions({ port: 0, auth: 'none', node: name, bus: 'rabbitmq', store: 'redis', redis: redis.url, amqp: rabbit.amqp,
    msgRate: 10_000, msgBurst: 10_000, publishTimeoutMs: 2000, reorderMs: 200, ...extra });
  const gw = new Gateway(opts, await openParts(opts));
  await gw.listen();
  gateways.push(gw);
  return { gw, url: `ws://127.0.0.1:${gw.port}` };
}

/** every seq once, in order, from 1 to n */
function assertAll(seqs: number[], n: number, what: string) {
  assert.deepEqual(seqs, Array.from({ length: n }, (_, i) => i + 1), what);
}

describe('RabbitMQ bus (real node)', () => {
  before(async () => {
    redis = await startRedis();
    rabbit = await startRabbit();
  });
  after(async () => {
    for (const g of gateways) await g.close();
    rabbit?.stop();
    redis?.stop();
  });

  test('two gateway nodes exchange room messages through RabbitMQ: every seq once, in order; a DM reaches the other node', async () => {
    const [n1, n2] = [await node('q1'), await node('q2')];
    const a = await TestClient.connect(`${n1.url}/?user=a`);
    const b = await TestClient.connect(`${n2.url}/?user=b`);
    await a.join('qroom');
    await b.join('qroom');
    for (let i = 0; i < 50; i++) {
      a.send({ op: 'send', room: 'qroom', id: `a${i}`, body: 'x' });
      b.send({ op: 'send', room: 'qroom', id: `b${i}`, body: 'y' });
    }
    await a.waitFor((f) => f.op === 'msg', 50, 30_000);
    await b.waitFor((f) => f.op === 'msg', 50, 30_000);
    await until(() => a.msgs('qroom').length + b.msgs('qroom').length === 100, 30_000, 'all 100 messages to reach the other member');
    // each member gets the other's 50, seq order; both together are seqs 1..100 once each
    for (const c of [a, b]) {
      const seqs = c.msgs('qroom').map((m) => m.seq);
      assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'seq order');
    }
    assertAll([...a.msgs('qroom'), ...b.msgs('qroom')].map((m) => m.seq).sort((x, y) => x - y), 100, 'seqs 1..100, each once');
    a.send({ op: 'dm', to: 'b', id: 'd1', body: 'to b on the other node' });
    await b.waitFor((f) => f.op === 'msg' && f.room === 'dm:a:b', 1, 10_000);
    a.close(); b.close();
  });

  test('typing and read receipts cross nodes through the bus, to the other members only, and are never stored', () => ephemeralCrossesNodes(node, 'q'));

  test('RabbitMQ closes every connection: what was published while the links were down reaches the member when they come back, every seq once', async () => {
    const [n1, n2] = [await node('h1'), await node('h2')];
    const a = await TestClient.connect(`${n1.url}/?user=ha`);
    const b = await TestClient.connect(`${n2.url}/?user=hb`);
    await a.join('heal');
    await b.join('heal');
    let sent = 0;
    const send = (n: number) => { for (const end = sent + n; sent < end;) a.send({ op: 'send', room: 'heal', id: `h${sent++}`, body: 'x' }); };
    send(40);
    await b.waitFor((f) => f.op === 'msg', 40, 20_000);
    await rabbit.closeConnections();
    // stored while the links are down, and nothing after them: only the node's heal on reconnect can bring these
    send(40);
    await a.waitFor((f) => f.op === 'ack', 80, 20_000);
    // waited on, not read once: a node may not have seen its link closed yet when the acks are in
    const back = (n: typeof n1) => (n.gw.ctx.broker as unknown as { reconnects: number }).reconnects >= 1 && n.gw.ctx.broker.health().bus;
    await until(() => back(n1) && back(n2), 20_000, 'both links dropped and came back');
    await until(() => b.msgs('heal').length >= 80, 20_000, `the 40 sent during the outage to reach the member (has ${b.msgs('heal').length})`);
    send(40);
    await until(() => b.msgs('heal').length >= 120, 20_000, 'live again after the outage');
    assertAll(b.msgs('heal').map((m) => m.seq), 120, 'every seq once, in order, across the outage');
    // the heal reads the gap from the store, where messages carry no origin: the sender still gets none of its own
    assert.equal(a.msgs('heal').length, 0, 'the sender never gets its own messages back');
    a.close(); b.close();
  });

  test('the RabbitMQ node is stopped and started during a room-fanout run over two nodes: 0 acked lost, none twice, live delivery resumes by itself', async () => {
    const [n1, n2] = [await node('r1', { msgRate: 50, msgBurst: 100 }), await node('r2', { msgRate: 50, msgBurst: 100 })];
    const brokers = [n1, n2].map((n) => n.gw.ctx.broker as unknown as { reconnects: number; health(): { bus: boolean } });
    let restarted = -1;
    // the fault waits on conditions: deliveries flowing, then the node down, the links seen down, the node back, the links back
    const fault = (async () => {
      await until(() => n1.gw.ctx.metrics.fanout.total + n2.gw.ctx.metrics.fanout.total > 200, 30_000, 'deliveries to flow before the fault');
      await rabbit.stopNode();
      await until(() => brokers.every((b) => !b.health().bus), 30_000, 'both nodes to see the bus down');
      await rabbit.startNode();
      await until(() => brokers.every((b) => b.health().bus), 60_000, 'both links back');
      restarted = Date.now();
    })();
    let t0 = 0;
    const r = await runLoad({
      scenario: parseScenario({ name: 'rabbitmq-restart', users: 40, arrival_rate: 100, duration_s: 40, drain_s: 3,
        rooms: { size: 10 }, messages: { rate_per_room: 5, body_bytes: 64 }, reconnect: { policy: 'exponential', base_ms: 200, cap_ms: 1000 } }),
      target: `${n1.url},${n2.url}`, progress: false, log: () => {}, onStart: (t) => { t0 = t; },
    });
    await fault;
    assert.equal(r.ledger.lost, 0, `0 acked lost: ${summary(r)}`);
    assert.equal(r.ledger.duplicated, 0, `none twice: ${summary(r)}`);
    for (const b of brokers) assert.ok(b.reconnects >= 1, 'each node lost its link and came back');
    // live delivery resumes by itself: received grows in every whole second after the links came back.
    // Seconds, not timeline buckets: on two cores shared with the broker a process can pause a few buckets and catch up.
    const back = (restarted - t0) / 1000;
    const bySecond = new Map<number, number>();
    for (const p of r.timeline) if (p.t > back + 1 && p.t <= 40) bySecond.set(Math.floor(p.t), p.received);
    const after = [...bySecond.entries()];
    assert.ok(after.length >= 3, `the run went on after the links came back at ${back.toFixed(1)} s`);
    for (let i = 1; i < after.length; i++) assert.ok(after[i][1] > after[i - 1][1], `deliveries by second ${after[i][0]}: ${JSON.stringify(after)}`);
  });

  test('routing keys are hashes: wildcard and long room names bind only themselves', () => {
    for (const t of ['#', '*', 'a.#', 'x'.repeat(200), '@user']) assert.match(routingKey(t), /^[ru]\.[A-Za-z0-9_-]{22}$/);
    assert.notEqual(routingKey('a'), routingKey('b'));
  });

  test('bad settings are refused naming the fix: no --amqp, a memory store, an unreachable node', async () => {
    assert.throws(() => gatewayOptions({ bus: 'rabbitmq', store: 'redis', redis: redis.url, auth: 'none' }), /amqp: --bus rabbitmq needs --amqp/);
    assert.throws(() => gatewayOptions({ bus: 'rabbitmq', amqp: rabbit.amqp, auth: 'none' }), /store: --bus rabbitmq needs --store redis/);
    assert.throws(() => gatewayOptions({ bus: 'rabbitmq', store: 'redis', redis: redis.url, amqp: 'http://x', auth: 'none' }), /amqp: must be an amqp/);
    const opts = gatewayOptions({ port: 0, auth: 'none', bus: 'rabbitmq', store: 'redis', redis: redis.url, amqp: 'amqp://127.0.0.1:1' });
    await assert.rejects(openParts(opts), (e: unknown) => e instanceof BfgError && e.code === 'unreachable' && /scripts\/rabbitmq\.sh start/.test(e.message));
  });
});
