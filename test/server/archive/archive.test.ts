/** The cold tier against a real Cassandra (scripts/cassandra.sh) and Redis: archive, paging across tiers, a killed worker, Cassandra down. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { Gateway } from '../../../server/gateway.js';
import { ColdStore, bucketOf, BUCKET_SEQS } from '../../../server/archive/cold.js';
import { gatewayOptions, type GatewayOptions } from '../../../server/options.js';
import { openParts } from '../../../server/parts.js';
import { TestClient } from '../../helpers/client.js';
import { startCassandra, type TestCassandra } from '../../helpers/cassandra.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { until } from '../../helpers/wait.js';
import { runBfg } from '../../helpers/cli.js';
import { Redis } from 'ioredis';
import { runLoad } from '../../../loadgen/run/coordinator.js';
import { summary } from '../../../loadgen/run/summary.js';
import { parseScenario } from '../../../loadgen/scenario/scenario.js';

let cass: TestCassandra;
let redis: TestRedis;
const gateways: Gateway[] = [];

async function node(name: string, extra: Partial<GatewayOptions> = {}) {
  const opts = gatewayOptions({ port: 0, auth: 'none', node: name, store: 'redis', redis: redis.url, archive: cass.url, history: 100,
    msgRate: 100_000, msgBurst: 100_000, ackWithoutPersistence: true, ...extra });
  const gw = new Gateway(opts, await openParts(opts));
  await gw.listen();
  gateways.push(gw);
  return { gw, url: `ws://127.0.0.1:${gw.port}`, http: `http://127.0.0.1:${gw.port}` };
}

/** sends n messages from the client and waits for all their acks; returns the acked seqs */
async function sendAll(c: TestClient, room: string, n: number, tag: string): Promise<number[]> {
  const before = c.frames.filter((f) => f.op === 'ack').length;
  for (let i = 0; i < n; i++) c.send({ op: 'send', room, id: `${tag}${i}`, body: `${tag} ${i}` });
  const acks = await c.waitFor((f) => f.op === 'ack', before + n, 60_000);
  return acks.slice(before).map((f) => (f as { seq: number }).seq);
}

type PageBody = { head: number; tiers: string[]; messages: { seq: number }[]; more: boolean; error?: string };
async function page(base: string, room: string, q: string): Promise<{ status: number; body: PageBody }> {
  const res = await fetch(`${base}/rooms/${encodeURIComponent(room)}/messages?user=reader&${q}`);
  return { status: res.status, body: (await res.json()) as PageBody };
}

describe('cold tier on Cassandra', () => {
  before(async () => {
    [cass, redis] = await Promise.all([startCassandra(), startRedis()]);
  });
  after(async () => {
    for (const g of gateways) await g.close();
    cass?.close();
    redis?.stop();
  });

  test('bad settings are refused naming the fix: bfg archive flags, --archive without a Redis store, an unreachable Cassandra', async () => {
    const r = await runBfg(['archive', '--from', 'localhost:6379', '--to', 'cassandra:/x', '--batch', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--from localhost:6379 is not a redis:\/\/ URL/);
    assert.match(r.stderr, /cassandra:\/x is not cassandra:\/\/HOST:PORT/);
    assert.match(r.stderr, /--batch 0 must be a positive integer/);
    assert.throws(() => gatewayOptions({ archive: cass.url }), /--archive needs --store redis/);
    const dead = gatewayOptions({ port: 0, auth: 'none', store: 'redis', redis: redis.url, archive: 'cassandra://127.0.0.1:1', ackWithoutPersistence: true });
    await assert.rejects(openParts(dead), /Cassandra at cassandra:\/\/127\.0\.0\.1:1 .*scripts\/cassandra\.sh start/);
  });

  test('bucket: a partition holds BUCKET_SEQS seqs', () => {
    assert.equal(bucketOf(0), 0);
    assert.equal(bucketOf(BUCKET_SEQS - 1), 0);
    assert.equal(bucketOf(BUCKET_SEQS), 1);
  });

  test('2,000 messages with --history 100: paging backwards (and forwards) reads every seq once, in order, across the tier boundary', async () => {
    // 2,000 sends at once are an overload by the node's own latency: shedding off, so the pages below are read, not shed
    const n1 = await node('c1', { shed: false });
    const a = await TestClient.connect(`${n1.url}/?user=a`);
    await a.join('scroll');
    const acked = await sendAll(a, 'scroll', 2000, 's');
    assert.equal(acked.length, 2000);
    await until(() => n1.gw.ctx.archive!.lag().messages === 0 && n1.gw.ctx.archive!.worker!.written >= 2000, 60_000, 'the archive to catch up');
    const seqs: number[] = [];
    const tiers = new Set<string>();
    let cursor = 2001, pages = 0;
    for (let more = true; more; pages++) {
      const { status, body } = await page(n1.http, 'scroll', `before=${cursor}&limit=${pages % 2 ? 70 : 130}`);
      assert.equal(status, 200, JSON.stringify(body));
      seqs.unshift(...body.messages.map((m) => m.seq));
      body.tiers.forEach((t) => tiers.add(t));
      if (body.tiers.length === 2) assert.deepEqual(body.tiers, ['cold', 'hot'], 'a page across the boundary names both tiers, oldest first');
      more = body.more;
      cursor = body.messages[0]?.seq ?? 1;
    }
    assert.deepEqual(seqs, Array.from({ length: 2000 }, (_, i) => i + 1), 'every seq once, in order, from both tiers');
    assert.deepEqual([...tiers].sort(), ['cold', 'hot']);
    // forwards from 0 the same run of seqs, cold first
    const fwd: number[] = [];
    for (let after = 0; after < 2000;) {
      const { status, body } = await page(n1.http, 'scroll', `after=${after}&limit=300`);
      assert.equal(status, 200, JSON.stringify(body));
      fwd.push(...body.messages.map((m) => m.seq));
      after = body.messages[body.messages.length - 1].seq;
    }
    assert.deepEqual(fwd, seqs);
    // the access rule is the same on both tiers: a DM room is its two users' alone
    const dm = await fetch(`${n1.http}/rooms/${encodeURIComponent('dm:a:b')}/messages?user=mallory&before=10`);
    assert.equal(dm.status, 403);
    a.close();
  });

  test('the archive worker killed with SIGKILL mid-stream and restarted: every acked seq in Cassandra exactly once', async () => {
    // the earlier tests' nodes run archive workers on the same stream: one of them would write the
    // rest while w1 is down, and the kill would not be mid-stream
    for (const g of gateways.splice(0)) await g.close();
    const n1 = await node('c2', { archiveWorker: false });
    const a = await TestClient.connect(`${n1.url}/?user=k`);
    await a.join('killed');
    const worker = (): ChildProcess => spawn(process.execPath, ['dist/bin/bfg.js', 'archive', '--from', redis.url, '--to', cass.url, '--name', 'w1', '--batch', '50'], { stdio: 'ignore' });
    const first = worker();
    const acked = await sendAll(a, 'killed', 1500, 'k');
    const cold = new ColdStore(cass.url);
    await cold.start();
    const epoch = (await n1.gw.ctx.broker.peek('killed'))!.epoch;
    await until(async () => (await cold.count('killed', epoch, 3000)) > 200, 60_000, 'the worker to write part of the stream');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    // the rest is sent while no worker runs: the kill is mid-stream whatever the worker had reached
    acked.push(...await sendAll(a, 'killed', 1500, 'l'));
    const atKill = await cold.count('killed', epoch, 3000);
    assert.ok(atKill < 3000, `the kill came mid-stream (${atKill} archived)`);
    const second = worker();
    try {
      await until(async () => (await cold.count('killed', epoch, 3000)) === 3000 && n1.gw.ctx.archive!.lag().messages === 0, 90_000, 'the restarted worker to finish');
      const rows = await cold.after('killed', epoch, 0, 3000, 5000);
      assert.deepEqual(rows.map((m) => m.seq), [...acked].sort((x, y) => x - y), 'the set archived is the set acked, each once');
    } finally {
      second.kill('SIGTERM');
      await cold.close();
      a.close();
    }
  });

  test('a worker that read entries and died before acknowledging them reads them again first; another claims them once idle', async () => {
    const { ArchiveQueue } = await import('../../../server/archive/queue.js');
    const { Redis } = await import('ioredis');
    const conns = [new Redis(redis.url), new Redis(redis.url), new Redis(redis.url)];
    const stream = `bfg:archive-test-${Date.now()}`;
    try {
      for (let i = 1; i <= 5; i++) await conns[2].xadd(stream, '*', 'e', 'E', 'm', JSON.stringify({ op: 'msg', room: 'q', seq: i, id: `i${i}`, from: 'u', ts: 1, body: 'b' }));
      const dying = new ArchiveQueue(conns[0], conns[2], 'w1', stream);
      await dying.init();
      const got = await dying.read(3, 100);
      assert.deepEqual(got.map((e) => e.row?.seq), [1, 2, 3]);
      // no ack: the worker "died". The same name comes back and gets its pending entries first
      const again = new ArchiveQueue(conns[1], conns[2], 'w1', stream);
      assert.deepEqual((await again.read(10, 100)).map((e) => e.row?.seq), [1, 2, 3]);
      assert.equal((await again.lag()).messages, 5);
      // another worker claims what stayed pending past the idle time, then reads the rest
      const other = new ArchiveQueue(conns[0], conns[2], 'w2', stream);
      assert.deepEqual((await other.read(10, 100, 0)).map((e) => e.row?.seq), [1, 2, 3]);
      await other.ack(got.map((e) => e.id));
      assert.deepEqual((await other.read(10, 100, 0)).map((e) => e.row?.seq), [4, 5]);
      const rest = await other.read(10, 100, 0);
      assert.equal(rest.length, 0);
      assert.equal((await other.lag()).messages, 2, 'read but not acknowledged is still lag');
    } finally {
      await conns[2].del(stream);
      for (const c of conns) c.disconnect();
    }
  });

  test('bfg load scenarios/history-scrollback.yaml --serve with --archive: every page contiguous, latency split by tier, the cold tier read', async () => {
    const args = JSON.stringify(['--history', '50', '--msg-rate', '1000', '--msg-burst', '1000', '--archive', cass.url]);
    const r = await runBfg(['load', 'scenarios/history-scrollback.yaml', '--serve', '--redis', redis.url, '--no-progress', '--set', `serve.args=${args}`, '--out', '/tmp/bfg-history-scrollback.json'], 120_000);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /history phase \(scroll-back, measured\): 40 scrolls, \d+ pages/);
    assert.match(r.stdout, /cold tier \d+ pages p50/);
    const { history } = JSON.parse(readFileSync('/tmp/bfg-history-scrollback.json', 'utf8')) as { history: { pages: number; gaps: number; repeats: number; truncated: number; errors: object; latency_ms: { cold?: { pages: number }; hot?: { pages: number } } } };
    assert.equal(history.gaps + history.repeats, 0);
    assert.deepEqual(history.errors, {});
    assert.equal(history.truncated, 0, 'no scroll found older history gone');
    // the hot window is read on its own or, when a room's head moved on while a scroll began, with the cold tier in one page
    const lat = history.latency_ms as Record<string, { pages: number } | undefined>;
    assert.ok((lat.cold?.pages ?? 0) > 0 && (lat.hot?.pages ?? 0) + (lat.mixed?.pages ?? 0) > 0, JSON.stringify(history.latency_ms));
  });

  test('Cassandra stopped during a room-fanout run: 0 lost, acks keep flowing, old pages answer history_unavailable; restarted: the lag returns to 0, every acked seq archived', async (t) => {
    const n1 = await node('c4', { history: 20 });
    const r0 = new Redis(redis.url);
    const epochs = async () => new Set(await r0.keys('bfg:{*}:epoch'));
    const before = await epochs();
    const roomOf = (key: string) => key.slice(5, key.indexOf('}:'));
    let oldPage: { status: number; body: PageBody } | undefined;
    // the fault waits on conditions: deliveries flowing, Cassandra down, a room of the run past the hot window
    const fault = (async () => {
      await until(() => n1.gw.ctx.metrics.fanout.total > 300, 30_000, 'deliveries to flow');
      await cass.stop();
      await until(() => n1.gw.ctx.archive!.state() === 'down', 30_000, 'the archive to see Cassandra down');
      let room = '';
      await until(async () => {
        for (const k of await epochs()) if (!before.has(k) && Number(await r0.get(`bfg:{${roomOf(k)}}:seq`)) > 40) room = roomOf(k);
        return room !== '';
      }, 30_000, 'a room of the run past its hot window');
      oldPage = await page(n1.http, room, 'before=2&limit=1');
      await cass.start();
    })();
    try {
      const r = await runLoad({
        scenario: parseScenario({ name: 'cold-outage', users: 40, arrival_rate: 100, duration_s: 30, drain_s: 2, rooms: { size: 10 }, messages: { rate_per_room: 10, body_bytes: 64 } }),
        target: n1.url, progress: false, log: () => {},
      });
      await fault;
      assert.equal(r.ledger.lost, 0, `0 live deliveries lost: ${summary(r)}`);
      assert.equal(r.ledger.duplicated, 0);
      assert.equal(r.stats.send_errors, 0, 'acks kept flowing');
      assert.equal(r.stats.acked, r.stats.sent);
      assert.equal(oldPage?.status, 503, JSON.stringify(oldPage?.body));
      assert.equal(oldPage?.body.error, 'history_unavailable');
      await until(() => n1.gw.ctx.archive!.state() === 'up' && n1.gw.ctx.archive!.lag().messages === 0, 120_000, 'the lag to return to 0');
      const rooms = [...await epochs()].filter((k) => !before.has(k)).map(roomOf);
      assert.equal(rooms.length, 4);
      let archived = 0;
      for (const room of rooms) {
        const head = Number(await r0.get(`bfg:{${room}}:seq`));
        const epoch = (await r0.get(`bfg:{${room}}:epoch`))!;
        const rows = await n1.gw.ctx.archive!.cold.after(room, epoch, 0, head, head + 10);
        assert.deepEqual(rows.map((m) => m.seq), Array.from({ length: head }, (_, i) => i + 1), `${room}: every seq up to ${head} in Cassandra`);
        archived += head;
      }
      assert.ok(archived >= r.stats.acked, `every acked message archived (${archived} rows, ${r.stats.acked} acked)`);
      t.diagnostic(`sent ${r.stats.sent}, acked ${r.stats.acked}, delivered ${r.ledger.delivered} of ${r.ledger.expected}, lost ${r.ledger.lost}; old page while down: ${oldPage?.status} ${oldPage?.body.error}; archived ${archived} rows in ${rooms.length} rooms`);
    } finally {
      r0.disconnect();
    }
  });

  test('Cassandra stopped under traffic: live delivery and acks go on, old pages answer history_unavailable; restarted: the lag drains to 0, nothing missing', async () => {
    const n1 = await node('c3');
    const a = await TestClient.connect(`${n1.url}/?user=da`);
    const b = await TestClient.connect(`${n1.url}/?user=db`);
    await a.join('down');
    await b.join('down');
    await sendAll(a, 'down', 300, 'x');
    await until(() => n1.gw.ctx.archive!.lag().messages === 0, 60_000, 'archived before the fault');
    await cass.stop();
    const during = await sendAll(a, 'down', 300, 'y');
    assert.equal(during.length, 300, 'every send acked while Cassandra is down');
    await until(() => b.msgs('down').length === 600, 30_000, `live delivery goes on (${b.msgs('down').length} of 600)`);
    const old = await page(n1.http, 'down', 'before=50&limit=20');
    assert.equal(old.status, 503);
    assert.equal(old.body.error, 'history_unavailable');
    const hot = await page(n1.http, 'down', 'before=601&limit=50');
    assert.equal(hot.status, 200, 'the hot window is served');
    assert.deepEqual(hot.body.tiers, ['hot']);
    await until(() => n1.gw.ctx.archive!.state() === 'down' && n1.gw.ctx.archive!.lag().messages > 0, 30_000, 'the archive down and behind');
    const res = await fetch(`${n1.http}/health`);
    const health = await res.json() as { status: string; archive: string; store: string; bus: string; shedding: string[] };
    // in rotation (200, store and bus up); 'degraded' here could only be shedding on a loaded machine, never the archive
    assert.equal(res.status, 200, 'the node stays in rotation: live chat does not need Cassandra');
    assert.deepEqual([health.store, health.bus], ['up', 'up']);
    assert.ok(health.status === 'ok' || health.shedding.length > 0, JSON.stringify(health));
    assert.equal(health.archive, 'down');
    await cass.start();
    await until(() => n1.gw.ctx.archive!.lag().messages === 0, 120_000, 'the lag to drain by itself');
    const epoch = (await n1.gw.ctx.broker.peek('down'))!.epoch;
    const rows = await n1.gw.ctx.archive!.cold.after('down', epoch, 0, 600, 1000);
    assert.deepEqual(rows.map((m) => m.seq), Array.from({ length: 600 }, (_, i) => i + 1), 'nothing acked missing from Cassandra');
    const back = await page(n1.http, 'down', 'before=50&limit=20');
    assert.equal(back.status, 200);
    assert.deepEqual(back.body.tiers, ['cold']);
    a.close(); b.close();
  });
});
