import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Format, ServerFrame } from '../../protocol/index.js';
import { Gateway } from '../../server/gateway.js';
import type { GatewayOptions } from '../../server/options.js';
import { TestClient } from '../helpers/client.js';
import { startGateway, startNode } from '../helpers/gateway.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

type Ev = Extract<ServerFrame, { op: 'typing' | 'read' }>;
const events = (c: TestClient, op: 'typing' | 'read', room?: string) => c.frames.filter((f) => f.op === op && (room === undefined || f.room === room)) as Ev[];
/** a round trip on `c` after which every frame the gateway queued for it before has been read */
async function roundTrip(c: TestClient): Promise<void> {
  const probe = `probe${Math.random().toString(36).slice(2, 10)}`;
  c.send({ op: 'presence', users: [probe] });
  await c.waitFor((f) => f.op === 'presence' && probe in f.online);
}

/** The same protocol checks on one embedded node and on a Redis fleet of two (each client on its own node in turn). */
for (const fleet of ['memory', 'redis'] as const) {
  describe(`ephemeral events (${fleet === 'memory' ? 'embedded, one node' : 'Redis fleet, two nodes'})`, () => {
    let redis: TestRedis | undefined;
    const gws: Gateway[] = [];
    let urls: string[] = [];
    let https: string[] = [];
    const extra: Partial<GatewayOptions> = { msgRate: 10_000, msgBurst: 10_000, typingIntervalMs: 3000, ephemeralRate: 1000, ephemeralBurst: 1000 };
    before(async () => {
      if (fleet === 'memory') {
        const g = await startGateway(extra);
        gws.push(g.gw);
        urls = [g.url, g.url];
        https = [g.http, g.http];
        return;
      }
      redis = await startRedis();
      for (const name of ['e1', 'e2']) {
        const n = await startNode({ node: name, bus: 'redis', store: 'redis', redis: redis.url, ...extra });
        gws.push(n.gw);
        urls.push(n.url);
        https.push(n.http);
      }
    });
    after(async () => {
      for (const g of gws) await g.close();
      redis?.stop();
    });
    const at = (i: number, user: string, format: Format = 'json') => TestClient.connect(`${urls[i % 2]}/?user=${user}`, format);

    test('typing reaches the other members in every format, never the sender (any of its connections) nor a non-member, and never history', async () => {
      const room = `t-${fleet}`;
      const alice = await at(0, 'alice'), alice2 = await at(1, 'alice');
      const bob = await at(1, 'bob', 'msgpack'), carol = await at(0, 'carol', 'proto'), eve = await at(1, 'eve');
      for (const c of [alice, alice2, bob, carol]) await c.join(room);
      await eve.join(`${room}-other`);
      alice.send({ op: 'typing', room });
      for (const c of [bob, carol]) {
        const [e] = await c.waitFor<Ev>((f) => f.op === 'typing' && f.room === room);
        assert.equal(e.user, 'alice');
        assert.ok(Math.abs(e.ts - Date.now()) < 60_000, 'ts is the gateway\'s receipt time');
        assert.equal('seq' in e, false, 'no seq');
      }
      for (const c of [alice, alice2, eve]) await roundTrip(c);
      assert.equal(events(alice, 'typing').length + events(alice2, 'typing').length, 0, 'not to the typist');
      assert.equal(events(eve, 'typing').length, 0, 'not to a non-member');
      assert.equal(alice.frames.some((f) => f.op === 'ack'), false, 'no ack');
      const h = await (await fetch(`${https[0]}/rooms/${room}/messages?user=alice`)).json() as { head: number; messages: unknown[] };
      assert.equal(h.messages.length, 0, 'never stored');
      for (const c of [alice, alice2, bob, carol, eve]) c.close();
    });

    test('typing is coalesced per user and room: a burst fans out once per --typing-interval-ms', async () => {
      const room = `c-${fleet}`;
      const a = await at(0, 'ann'), a2 = await at(0, 'ann'), b = await at(1, 'ben');
      for (const c of [a, a2, b]) await c.join(room);
      for (let i = 0; i < 5; i++) (i % 2 ? a2 : a).send({ op: 'typing', room });
      await b.waitFor((f) => f.op === 'typing' && f.room === room);
      await roundTrip(a); await roundTrip(a2); await roundTrip(b);
      // the first went out; four came within the interval, from either of ann's connections
      assert.equal(events(b, 'typing', room).length, 1);
      const text = await (await fetch(`${https[0]}/metrics`)).text();
      assert.match(text, /bfg_ephemeral_in_total\{kind="typing",outcome="coalesced",node="[^"]+"\} 4/);
      for (const c of [a, a2, b]) c.close();
    });

    test('the access rule: typing or read needs a joined room (or a DM room of one\'s own); a DM\'s typing reaches the other user only', async () => {
      const a = await at(0, 'dana'), b = await at(1, 'dave'), m = await at(0, 'mallory');
      a.send({ op: 'typing', room: 'never-joined' });
      const [e1] = await a.waitFor((f) => f.op === 'error');
      assert.equal((e1 as { code: string }).code, 'not_member');
      m.send({ op: 'read', room: 'dm:dana:dave', seq: 1 });
      const [e2] = await m.waitFor((f) => f.op === 'error');
      assert.equal((e2 as { code: string }).code, 'forbidden');
      a.send({ op: 'typing', room: 'dm:dana:dave' });
      const [t] = await b.waitFor<Ev>((f) => f.op === 'typing');
      assert.deepEqual([t.room, t.user], ['dm:dana:dave', 'dana']);
      await roundTrip(m);
      assert.equal(events(m, 'typing').length, 0);
      for (const c of [a, b, m]) c.close();
    });

    test('read receipts fan out when they move, never back nor past the head, and lastRead survives a reconnect', async () => {
      const room = `r-${fleet}`;
      const a = await at(0, 'rita'), b = await at(1, 'rob');
      await a.join(room);
      const jb = await b.join(room);
      assert.equal(jb.lastRead, 0, 'nothing read yet');
      for (let i = 0; i < 5; i++) b.send({ op: 'send', room, id: `m${i}`, body: 'x' });
      await a.waitFor((f) => f.op === 'msg', 5);
      a.send({ op: 'read', room, seq: 3 });
      const [r] = await b.waitFor<Ev>((f) => f.op === 'read');
      assert.deepEqual([r.room, r.user, (r as { seq: number }).seq], [room, 'rita', 3]);
      a.send({ op: 'read', room, seq: 2 }); // back: recorded nothing, fanned out nothing
      a.send({ op: 'read', room, seq: 99 }); // past the head (5): recorded as 5
      const reads = await b.waitFor<Ev>((f) => f.op === 'read', 2);
      assert.equal((reads[1] as { seq: number }).seq, 5);
      await roundTrip(a); await roundTrip(b);
      assert.equal(events(b, 'read').length, 2);
      a.close();
      const again = await at(1, 'rita');
      const j = await again.join(room);
      assert.equal(j.lastRead, 5, 'lastRead after a reconnect (on the other node of a fleet)');
      assert.equal(j.head, 5);
      for (const c of [again, b]) c.close();
    });
  });
}

describe('ephemeral limits and shedding (embedded)', () => {
  let g: Awaited<ReturnType<typeof startGateway>>;
  before(async () => { g = await startGateway({ typingIntervalMs: 0, ephemeralRate: 5, ephemeralBurst: 5, shedRecoverMs: 300 }); });
  after(() => g.gw.close());

  test('typing has its own bucket: past it rate_limited, while sends still go through', async () => {
    const a = await TestClient.connect(`${g.url}/?user=fast`), b = await TestClient.connect(`${g.url}/?user=slow`);
    await a.join('lim'); await b.join('lim');
    for (let i = 0; i < 20; i++) a.send({ op: 'typing', room: 'lim' });
    a.send({ op: 'send', room: 'lim', id: 'still', body: 'x' });
    await a.waitFor((f) => f.op === 'ack');
    const errs = await a.waitFor((f) => f.op === 'error' && f.code === 'rate_limited', 15);
    assert.ok(errs.every((e) => (e as { message: string }).message.includes('--ephemeral-rate')));
    await b.waitFor((f) => f.op === 'msg');
    assert.equal(events(b, 'typing').length, 5, 'the burst, no more');
    a.close(); b.close();
  });

  test('overloaded: typing is shed (counted, told once a second, /health degraded) while messages flow; recovery is automatic', async () => {
    const sh = g.gw.ctx.shedder;
    const a = await TestClient.connect(`${g.url}/?user=sa`), b = await TestClient.connect(`${g.url}/?user=sb`);
    await a.join('shed'); await b.join('shed');
    for (let i = 0; i < 3; i++) sh.tick(Date.now(), 1000); // an event loop 1 s late, 20x --shed-loop-ms, for three windows: every level
    assert.deepEqual(sh.shed, ['typing', 'read', 'history']);
    a.send({ op: 'typing', room: 'shed' });
    a.send({ op: 'typing', room: 'shed' });
    a.send({ op: 'send', room: 'shed', id: 'kept', body: 'x' });
    await b.waitFor((f) => f.op === 'msg');
    const errs = await a.waitFor((f) => f.op === 'error' && f.code === 'shed');
    await roundTrip(a); await roundTrip(b);
    assert.equal(a.frames.filter((f) => f.op === 'error' && f.code === 'shed').length, 1, 'told once, not per event');
    assert.match((errs[0] as { message: string }).message, /typing/);
    assert.equal(events(b, 'typing').length, 0);
    const health = await (await fetch(`${g.http}/health`)).json() as { status: string; shedding: string[] };
    assert.equal(health.status, 'degraded');
    assert.deepEqual(health.shedding, ['typing', 'read', 'history']);
    const hist = await fetch(`${g.http}/rooms/shed/messages?user=sa`);
    assert.equal(hist.status, 503);
    assert.equal(((await hist.json()) as { error: string }).error, 'shed');
    const text = await (await fetch(`${g.http}/metrics`)).text();
    assert.match(text, /bfg_shed_total\{kind="typing",node="n1"\} 2/);
    assert.match(text, /bfg_shed_total\{kind="history",node="n1"\} 1/);
    // calm (under half the thresholds) for --shed-recover-ms gives back one level at a time
    const t0 = Date.now();
    for (let t = t0; t <= t0 + 4 * 400; t += 100) sh.tick(t, 0);
    assert.equal(sh.level, 0);
    b.frames.length = 0;
    a.send({ op: 'typing', room: 'shed' });
    await b.waitFor((f) => f.op === 'typing');
    a.close(); b.close();
  });
});

describe('shedding off (--no-shed)', () => {
  test('the same overload sheds nothing', async () => {
    const g = await startGateway({ shed: false });
    try {
      for (let i = 0; i < 3; i++) g.gw.ctx.shedder.tick(Date.now(), 1000);
      assert.equal(g.gw.ctx.shedder.level, 0);
      const a = await TestClient.connect(`${g.url}/?user=x`), b = await TestClient.connect(`${g.url}/?user=y`);
      await a.join('n'); await b.join('n');
      a.send({ op: 'typing', room: 'n' });
      await b.waitFor((f) => f.op === 'typing');
      a.close(); b.close();
      await until(async () => (await (await fetch(`${g.http}/health`)).json() as { status: string }).status === 'ok', 5000, 'health ok');
    } finally {
      await g.gw.close();
    }
  });
});
