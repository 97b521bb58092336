import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MsgFrame } from '../../protocol/index.js';
import { MemoryBroker } from '../../server/broker/memory.js';
import { TestClient, stillWorks } from '../helpers/client.js';
import { until } from '../helpers/wait.js';
import { startGateway } from '../helpers/gateway.js';
import { gatedStore } from '../helpers/store.js';

describe('gateway: rooms, DMs, recovery', () => {
  let g: Awaited<ReturnType<typeof startGateway>>;
  before(async () => { g = await startGateway({ msgRate: 10_000, msgBurst: 10_000 }); });
  after(() => g.gw.close());

  test('two clients in a room see each other in seq order, never their own', async () => {
    const a = await TestClient.connect(`${g.url}/?user=alice`);
    const b = await TestClient.connect(`${g.url}/?user=bob`);
    await a.join('r1');
    await b.join('r1');
    for (let i = 0; i < 20; i++) (i % 2 ? a : b).send({ op: 'send', room: 'r1', id: `m${i}`, body: `x${i}` });
    const atA = await a.waitFor((f) => f.op === 'msg', 10);
    const atB = await b.waitFor((f) => f.op === 'msg', 10);
    assert.ok(atA.every((m) => (m as MsgFrame).from === 'bob'), 'alice sees only bob');
    assert.ok(atB.every((m) => (m as MsgFrame).from === 'alice'), 'bob sees only alice');
    const seqs = [...a.msgs('r1'), ...b.msgs('r1')].map((m) => m.seq).sort((x, y) => x - y);
    assert.deepEqual(seqs, Array.from({ length: 20 }, (_, i) => i + 1));
    for (const c of [a, b]) {
      const s = c.msgs('r1').map((m) => m.seq);
      assert.deepEqual(s, [...s].sort((x, y) => x - y), 'in seq order');
    }
    const acks = await a.waitFor((f) => f.op === 'ack', 10);
    assert.equal(new Set(acks.map((f) => (f as { seq: number }).seq)).size, 10);
    a.close(); b.close();
  });

  test('DM reaches the other user and the room name is sorted', async () => {
    const a = await TestClient.connect(`${g.url}/?user=zed`);
    const b = await TestClient.connect(`${g.url}/?user=amy`);
    a.send({ op: 'dm', to: 'amy', id: 'd1', body: 'psst' });
    const [m] = await b.waitFor((f) => f.op === 'msg');
    assert.equal((m as MsgFrame).room, 'dm:amy:zed');
    assert.equal((m as MsgFrame).body, 'psst');
    assert.equal((m as MsgFrame).from, 'zed');
    await a.waitFor((f) => f.op === 'ack');
    assert.equal(a.msgs().length, 0, 'the sending connection does not get its own DM');
    a.send({ op: 'presence', users: ['amy', 'nobody'] });
    const [p] = await a.waitFor((f) => f.op === 'presence');
    assert.deepEqual((p as { online: unknown }).online, { amy: true, nobody: false });
    b.close();
    // the gateway sees the close: amy goes offline (waiting on the condition, not on a clock)
    await until(async () => {
      const before = a.frames.length;
      a.send({ op: 'presence', users: ['amy'] });
      const [p2] = await a.waitFor((f) => f.op === 'presence' && a.frames.indexOf(f) >= before);
      return (p2 as { online: Record<string, boolean> }).online.amy === false;
    }, 5000, 'amy offline after her only session closed');
    a.close();
  });

  test('a DM reaches every session of the recipient and the sender\'s other sessions', async () => {
    const phone = await TestClient.connect(`${g.url}/?user=kai`);
    const laptop = await TestClient.connect(`${g.url}/?user=kai`);
    const other = await TestClient.connect(`${g.url}/?user=lee`);
    const otherTab = await TestClient.connect(`${g.url}/?user=lee`);
    other.send({ op: 'dm', to: 'kai', id: 'hi', body: 'to both devices' });
    await phone.waitFor((f) => f.op === 'msg');
    await laptop.waitFor((f) => f.op === 'msg');
    await otherTab.waitFor((f) => f.op === 'msg');
    await other.waitFor((f) => f.op === 'ack');
    assert.equal(other.msgs().length, 0);
    const kai = () => [...g.gw.hub.sessions()].filter((x) => x.user === 'kai').length;
    laptop.close();
    await until(() => kai() === 1, 5000, 'the gateway to drop the laptop session');
    other.send({ op: 'dm', to: 'kai', id: 'hi2', body: 'one device left' });
    await phone.waitFor((f) => f.op === 'msg', 2);
    for (const c of [phone, other, otherTab]) c.close();
  });

  test('join after= backfills exactly the missing messages and says recovered', async () => {
    const a = await TestClient.connect(`${g.url}/?user=a2`);
    const b = await TestClient.connect(`${g.url}/?user=b2`);
    await a.join('r2');
    const j = await b.join('r2');
    for (let i = 0; i < 5; i++) a.send({ op: 'send', room: 'r2', id: `p${i}`, body: 'x' });
    await b.waitFor((f) => f.op === 'msg', 5);
    b.close();
    for (let i = 5; i < 12; i++) a.send({ op: 'send', room: 'r2', id: `p${i}`, body: 'x' });
    await a.waitFor((f) => f.op === 'ack', 12);
    const b2 = await TestClient.connect(`${g.url}/?user=b2`);
    const j2 = await b2.join('r2', 5, j.epoch);
    assert.equal(j2.recovered, true);
    assert.equal(j2.head, 12);
    const got = await b2.waitFor((f) => f.op === 'msg', 7);
    assert.deepEqual(got.map((m) => (m as MsgFrame).seq), [6, 7, 8, 9, 10, 11, 12]);
    await stillWorks(b2); // a round trip after the replay: anything more would have come before its answer
    assert.equal(b2.msgs().length, 7, 'nothing more than the missing ones');
    a.send({ op: 'send', room: 'r2', id: 'live', body: 'x' });
    const [live] = await b2.waitFor((f) => f.op === 'msg' && f.seq === 13);
    assert.equal((live as MsgFrame).id, 'live');
    a.close(); b2.close();
  });

  test('a wrong epoch or a gap past history is not presented as recovered', async () => {
    const a = await TestClient.connect(`${g.url}/?user=a3`);
    const j = await a.join('r3');
    for (let i = 0; i < 3; i++) a.send({ op: 'send', room: 'r3', id: `q${i}`, body: 'x' });
    await a.waitFor((f) => f.op === 'ack', 3);
    const b = await TestClient.connect(`${g.url}/?user=b3`);
    const wrong = await b.join('r3', 1, 'not-the-epoch');
    assert.equal(wrong.recovered, false);
    assert.equal((wrong as { history?: string }).history, '/rooms/r3/messages?before=4', 'another epoch: read back from the head');
    const right = await b.join('r3', 1, j.epoch);
    assert.equal(right.recovered, true);
    assert.equal((right as { history?: string }).history, undefined, 'recovered: nothing to read');
    a.close(); b.close();
    // a gap past what a join replays (--max-recover) points forwards from the client's seq, in every format
    const g2 = await startGateway({ maxRecover: 1 });
    for (const fmt of ['json', 'msgpack', 'proto'] as const) {
      const s = await TestClient.connect(`${g2.url}/?user=s-${fmt}`, fmt);
      const j2 = await s.join(`gap-${fmt}`);
      for (let i = 0; i < 3; i++) s.send({ op: 'send', room: `gap-${fmt}`, id: `g${i}`, body: 'x' });
      await s.waitFor((f) => f.op === 'ack', 3);
      const back = await s.join(`gap-${fmt}`, 0, j2.epoch);
      assert.equal(back.recovered, false, fmt);
      assert.equal((back as { history?: string }).history, `/rooms/gap-${fmt}/messages?after=0`, fmt);
      s.close();
    }
    await g2.gw.close();
  });
});

test('one room, three formats: JSON, msgpack and proto members each get the message in their own format, bytes as bytes', async () => {
  const g = await startGateway();
  const [j, m, p] = await Promise.all((['json', 'msgpack', 'proto'] as const).map((fmt) => TestClient.connect(`${g.url}/?user=${fmt}-user`, fmt)));
  assert.deepEqual([j, m, p].map((c) => c.ws.protocol), ['bfg.v1.json', 'bfg.v1.msgpack', 'bfg.v1.proto']);
  for (const c of [j, m, p]) await c.join('mixed');
  p.send({ op: 'send', room: 'mixed', id: 'b1', body: new Uint8Array([0, 7, 255]), meta: { k: 1 } });
  const [ack] = await p.waitFor((f) => f.op === 'ack');
  assert.equal((ack as { seq: number }).seq, 1);
  const [toJson] = await j.waitFor((f) => f.op === 'msg');
  const [toPack] = await m.waitFor((f) => f.op === 'msg');
  assert.equal((toJson as { body: string }).body, 'AAf/', 'JSON has no bytes: base64');
  assert.deepEqual([...(toPack as { body: Uint8Array }).body], [0, 7, 255]);
  assert.deepEqual((toPack as { meta: unknown }).meta, { k: 1 });
  j.send({ op: 'send', room: 'mixed', id: 't1', body: 'text', meta: { s: 'x' } });
  const [toProto] = await p.waitFor((f) => f.op === 'msg');
  assert.deepEqual({ ...toProto, ts: 0 }, { op: 'msg', room: 'mixed', seq: 2, id: 't1', from: 'json-user', ts: 0, body: 'text', meta: { s: 'x' } });
  for (const c of [j, m, p]) c.close();
  await g.gw.close();
});

describe('gateway: durable before ack', () => {
  test('the ack arrives only after the store holds the message', async () => {
    const { store, inner, release } = gatedStore();
    const g = await startGateway({}, { broker: new MemoryBroker(store) });
    const a = await TestClient.connect(`${g.url}/?user=a`);
    await a.join('d');
    a.send({ op: 'send', room: 'd', id: 'slow', body: 'x' });
    await stillWorks(a); // a round trip behind the send: an early ack would have come before its answer
    assert.equal(a.frames.filter((f) => f.op === 'ack').length, 0, 'no ack while the store has not persisted');
    release();
    await a.waitFor((f) => f.op === 'ack');
    const stored = await inner.range('d', 0, 10);
    assert.deepEqual(stored.map((m) => m.id), ['slow']);
    a.close();
    await g.gw.close();
  });
});
