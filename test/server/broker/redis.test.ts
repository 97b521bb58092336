import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { MsgFrame } from '../../../protocol/index.js';
import { Gateway } from '../../../server/gateway.js';
import { gatewayOptions, type GatewayOptions } from '../../../server/options.js';
import { openParts } from '../../../server/parts.js';
import { TestClient, stillWorks } from '../../helpers/client.js';
import { BFG, runBfg } from '../../helpers/cli.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { until } from '../../helpers/wait.js';

let redis: TestRedis;
let admin: Redis;
const gateways: Gateway[] = [];

async function node(name: string, extra: Partial<GatewayOptions> = {}) {
  const opts = gatewayOptions({ port: 0, auth: 'none', node: name, bus: 'redis', store: 'redis', redis: redis.url, msgRate: 10_000, msgBurst: 10_000, ...extra });
  const gw = new Gateway(opts, await openParts(opts));
  const port = await gw.listen();
  gateways.push(gw);
  return { gw, url: `ws://127.0.0.1:${port}`, http: `http://127.0.0.1:${port}` };
}
const contiguous = (seqs: number[]) => seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1);

describe('Redis fleet (real redis-server)', () => {
  before(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
  });
  after(async () => {
    for (const g of gateways) await g.close();
    admin.disconnect();
    redis.stop();
  });

  test('messages cross nodes in seq order; concurrent senders on different nodes never share a seq', async () => {
    const [n1, n2] = [await node('a1'), await node('a2')];
    const cs = await Promise.all([n1, n2, n1, n2].map((n, i) => TestClient.connect(`${n.url}/?user=u${i}`)));
    for (const c of cs) await c.join('cross');
    cs.forEach((c, i) => { for (let k = 0; k < 50; k++) c.send({ op: 'send', room: 'cross', id: `${i}-${k}`, body: 'x' }); });
    const acks = (await Promise.all(cs.map((c) => c.waitFor((f) => f.op === 'ack', 50, 10_000)))).flat().map((f) => (f as { seq: number }).seq);
    assert.deepEqual([...acks].sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i + 1), 'every seq once');
    for (const c of cs) {
      await c.waitFor((f) => f.op === 'msg', 150, 10_000);
      const seqs = c.msgs('cross').map((m) => m.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'seq order at every client');
    }
    for (const c of cs) c.close();
  });

  test('two nodes under the same node id (the default): the session with the sender\'s number on the other node still gets the message', async () => {
    // session ids restart at 1 in each process; an origin of node id + session id alone made the other
    // node skip its own session 1 as if it were the sender (found by bench:peers: one receiver per message)
    const [n1, n2] = [await node('same'), await node('same')];
    const a = await TestClient.connect(`${n1.url}/?user=sa`);
    const b = await TestClient.connect(`${n2.url}/?user=sb`);
    await a.join('twins');
    await b.join('twins');
    a.send({ op: 'send', room: 'twins', id: 'm1', body: 'x' });
    const [m] = await b.waitFor((f) => f.op === 'msg', 1, 5000);
    assert.equal((m as MsgFrame).id, 'm1');
    b.send({ op: 'send', room: 'twins', id: 'm2', body: 'y' });
    await a.waitFor((f) => f.op === 'msg', 1, 5000);
    assert.equal(a.msgs('twins').length, 1, 'the sender is still skipped: its own message is not echoed');
    assert.equal(b.msgs('twins').length, 1);
    a.close(); b.close();
  });

  test('a room\'s last local member leaving unsubscribes its node', async () => {
    const [n1, n2] = [await node('b1'), await node('b2')];
    const a = await TestClient.connect(`${n1.url}/?user=x`);
    const b = await TestClient.connect(`${n2.url}/?user=y`);
    await a.join('subs');
    await b.join('subs');
    const subs = async () => Number(((await admin.pubsub('NUMSUB', 'bfg:{subs}')) as [string, number])[1]);
    assert.equal(await subs(), 2);
    b.send({ op: 'leave', room: 'subs' });
    await b.waitFor((f) => f.op === 'left');
    await until(async () => (await subs()) === 1);
    a.close(); b.close();
  });

  test('Redis down: store_unavailable and 503, connections kept; Redis back: recovers without a restart', async () => {
    const n = await node('c1');
    const c = await TestClient.connect(`${n.url}/?user=z`);
    await c.join('outage');
    c.send({ op: 'send', room: 'outage', id: 'before', body: 'x' });
    await c.waitFor((f) => f.op === 'ack');
    redis.stop();
    await until(async () => (await fetch(`${n.http}/health`)).status === 503);
    c.send({ op: 'send', room: 'outage', id: 'during', body: 'x' });
    const [e] = await c.waitFor((f) => f.op === 'error' && f.ref === 'during');
    assert.equal((e as { code: string }).code, 'store_unavailable');
    assert.equal(c.frames.filter((f) => f.op === 'ack' && f.id === 'during').length, 0, 'nothing unpersisted is acked');
    redis.start();
    await until(async () => (await fetch(`${n.http}/health`)).status === 200, 10_000);
    c.send({ op: 'send', room: 'outage', id: 'after', body: 'x' });
    await c.waitFor((f) => f.op === 'ack' && f.id === 'after', 1, 5000);
    assert.equal(c.closed, undefined, 'the connection lived through the outage');
    c.close();
  });

  test('a lost bus connection is healed: the receiving node backfills, clients see no gap', async () => {
    const [n1, n2] = [await node('d1'), await node('d2')];
    const tx = await TestClient.connect(`${n1.url}/?user=tx`);
    const rx = await TestClient.connect(`${n2.url}/?user=rx`);
    await tx.join('heal');
    await rx.join('heal');
    let i = 0;
    const pump = setInterval(() => tx.send({ op: 'send', room: 'heal', id: `h${i++}`, body: 'x' }), 5);
    const acks = () => tx.frames.filter((f) => f.op === 'ack').length;
    await until(() => acks() >= 20, 10_000, 'traffic before the loss');
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    // traffic goes on through the loss and past the reconnect
    const killedAt = acks();
    await until(async () => (await fetch(`${n2.http}/health`)).status === 200 && acks() >= killedAt + 40, 10_000, 'the bus back and traffic past it');
    clearInterval(pump);
    await tx.waitFor((f) => f.op === 'ack', i, 10_000);
    await until(() => rx.msgs('heal').length >= i, 10_000);
    const seqs = rx.msgs('heal').map((m: MsgFrame) => m.seq);
    assert.ok(contiguous(seqs), `no gap or duplicate: ${seqs.join(',')}`);
    assert.equal(seqs.length, i);
    tx.close(); rx.close();
  });

  test('presence: a killed node\'s entries go stale and are swept', async () => {
    const proc = spawn(process.execPath, [BFG, 'serve', '--port', '0', '--auth', 'none', '--node', 'doomed', '--bus', 'redis', '--store', 'redis',
      '--redis', redis.url, '--presence-beat-ms', '100', '--presence-stale-ms', '400'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout!.on('data', (d) => (out += d));
    await until(() => /:(\d+) \(auth/.test(out));
    const port = /:(\d+) \(auth/.exec(out)![1];
    const ghost = await TestClient.connect(`ws://127.0.0.1:${port}/?user=ghost`);
    await ghost.waitFor((f) => f.op === 'hello');
    const n = await node('e1', { presenceBeatMs: 100, presenceStaleMs: 400 });
    const asker = await TestClient.connect(`${n.url}/?user=asker`);
    const ask = async () => {
      const before = asker.frames.length;
      asker.send({ op: 'presence', users: ['ghost'] });
      const [p] = await asker.waitFor((f) => f.op === 'presence' && asker.frames.indexOf(f) >= before);
      return (p as { online: Record<string, boolean> }).online.ghost;
    };
    assert.equal(await ask(), true);
    proc.kill('SIGKILL');
    await once(proc, 'exit');
    await until(async () => (await ask()) === false, 3000);
    await until(async () => (await admin.hlen('bfg:presence:{ghost}')) === 0, 3000);
    await stillWorks(asker);
    asker.close();
    ghost.close();
  });

  test('the failover scenario: 3 nodes, one killed mid-run, 300 clients, nothing lost (bfg load exits 0)', async () => {
    const r = await runBfg(['load', 'scenarios/failover.yaml', '--serve', '--redis', redis.url, '--no-progress', '--out', '/tmp/bfg-failover-test.json'], 120_000);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /lost 0, duplicated 0/);
    assert.match(r.stdout, /reconnects [1-9]/);
    assert.match(r.stdout, /storm at 3s: 33% by kill-node/);
  });
});
