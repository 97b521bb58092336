/** Redis presence scales with nodes, not users (real redis-server, real `bfg serve` processes). */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { RedisPresence } from '../../../server/presence/redis.js';
import { TestClient } from '../../helpers/client.js';
import { startServe } from '../../helpers/cli.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { sleep, until } from '../../helpers/wait.js';

const BEAT = 100, TTL = 400;
let redis: TestRedis;
let admin: Redis;
const procs: ChildProcess[] = [];

async function node(name: string) {
  const s = await startServe(['--auth', 'none', '--node', name, '--bus', 'redis', '--store', 'redis', '--redis', redis.url,
    '--presence-beat-ms', String(BEAT), '--presence-stale-ms', String(TTL)]);
  procs.push(s.proc);
  return { proc: s.proc, url: `ws://127.0.0.1:${s.port}` };
}

async function ask(c: TestClient, users: string[]): Promise<Record<string, boolean>> {
  const before = c.frames.length;
  c.send({ op: 'presence', users });
  const [p] = await c.waitFor((f) => f.op === 'presence' && c.frames.indexOf(f) >= before);
  return (p as { online: Record<string, boolean> }).online;
}

/** calls of each command since the last CONFIG RESETSTAT */
async function commandCalls(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of (await admin.info('commandstats')).matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)) out[m[1]] = Number(m[2]);
  return out;
}

describe('Redis presence: O(nodes) work, users written on connect and disconnect only', () => {
  before(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
  });
  after(async () => {
    for (const p of procs) p.kill('SIGKILL');
    admin.disconnect();
    redis.stop();
  });

  test('a node killed with SIGKILL takes its users offline within the TTL; a user on two nodes stays online', async () => {
    const [a, b] = [await node('pa'), await node('pb')];
    const onA = await TestClient.connect(`${a.url}/?user=only-a`);
    const both1 = await TestClient.connect(`${a.url}/?user=both`);
    const both2 = await TestClient.connect(`${b.url}/?user=both`);
    const asker = await TestClient.connect(`${b.url}/?user=asker`);
    await until(async () => (await ask(asker, ['only-a']))['only-a'] === true, 5000, 'only-a seen online from the other node');
    a.proc.kill('SIGKILL');
    await once(a.proc, 'exit');
    const killed = Date.now();
    await until(async () => (await ask(asker, ['only-a']))['only-a'] === false, TTL + 3 * BEAT + 2000, 'only-a offline');
    assert.ok(Date.now() - killed <= TTL + 3 * BEAT + 2000, 'within the TTL and a beat or two');
    assert.equal((await ask(asker, ['both'])).both, true, 'a user on two nodes stays online while one lives');
    await until(async () => (await admin.hlen('bfg:presence:{only-a}')) === 0, 5000, 'the dead node\'s entry removed');
    for (const c of [onA, both1, both2, asker]) c.close();
  });

  test('a node that restarts under the same id does not bring its old users back online', async () => {
    const a = await node('pr');
    const ghost = await TestClient.connect(`${a.url}/?user=ghost`);
    await ghost.waitFor((f) => f.op === 'hello');
    await until(async () => (await admin.hlen('bfg:presence:{ghost}')) === 1, 5000, 'ghost written');
    a.proc.kill('SIGKILL');
    await once(a.proc, 'exit');
    const again = await node('pr'); // the same node id, a new process: ghost is not connected to it
    const asker = await TestClient.connect(`${again.url}/?user=asker2`);
    await until(async () => (await ask(asker, ['ghost'])).ghost === false, 5000, 'ghost offline on the restarted node');
    ghost.close();
    asker.close();
  });

  test('idle nodes with 300 users send no per-user command and no SCAN: four O(nodes) commands per node per beat', async () => {
    const [a, b] = [await node('i1'), await node('i2')];
    const users = await Promise.all(Array.from({ length: 300 }, (_, i) => TestClient.connect(`${(i % 2 ? a : b).url}/?user=idle-${i}`)));
    await Promise.all(users.map((u) => u.waitFor((f) => f.op === 'hello')));
    await until(async () => (await admin.keys('bfg:presence:{idle-*')).length === 300, 5000, '300 users written once');
    await admin.config('RESETSTAT');
    const beats = 10;
    await sleep(beats * BEAT);
    const calls = await commandCalls();
    // (SADD is the node registering its incarnation once a beat, counted in the per-node bound below)
    const perUser = ['hset', 'hdel', 'hget', 'hgetall', 'hkeys', 'hvals', 'evalsha', 'eval', 'srem', 'sscan'].reduce((n, c) => n + (calls[c] ?? 0), 0);
    assert.equal(perUser, 0, `no per-user command while idle: ${JSON.stringify(calls)}`);
    const all = Object.values(calls).reduce((x, y) => x + y, 0) - (calls.info ?? 0) - (calls['config|resetstat'] ?? 0) - (calls.config ?? 0);
    // every live node (earlier tests' included) × (SET + SADD + SMEMBERS + MGET) per beat, room for timer drift: not per user
    const nodes = (await admin.keys('bfg:node:*')).length;
    assert.ok(all <= nodes * 4 * (beats + 3), `commands while idle: ${all} from ${nodes} nodes (${JSON.stringify(calls)})`);
    assert.equal(calls.scan ?? 0, 0, 'no SCAN: its cost grows with the keyspace, not with the nodes');
    for (const u of users) u.close();
  });

  test('a node that was only late is alive: a survivor leaves its users, and what was removed the node writes back under a new incarnation', async () => {
    const [ra, rb] = [new Redis(redis.url), new Redis(redis.url)];
    const a = new RedisPresence(ra, 'late', TTL), b = new RedisPresence(rb, 'survivor', TTL);
    // more users than one batch of the cleanup and of the write-back
    const users = Array.from({ length: 1200 }, (_, i) => `late-${i}`);
    const incOf = () => admin.get('bfg:node:late');
    const comesBack = async (from: string) => {
      // a new incarnation in the liveness key, all 1,200 users in its set and online to a survivor
      await until(async () => { const now = await incOf(); return now !== null && now !== from && (await admin.scard(`bfg:node-users:late:${now}`)) === users.length; }, 5000, 'the node back as a new incarnation with all its users');
      await until(async () => Object.values(await b.where(users)).every(Boolean), 5000, 'all 1,200 users online again');
      const now = (await incOf())!;
      assert.equal(await admin.sismember('bfg:incarnations', `late:${from}`), 0, 'the old incarnation is no longer registered');
      assert.equal(await admin.exists(`bfg:node-users:late:${from}`), 0, 'nor its set of users');
      return now;
    };
    try {
      a.start(BEAT, () => users);
      b.start(BEAT, () => []);
      await Promise.all(users.map((u) => a.online(u)));
      // the live incarnation is the one the node's liveness key holds (the registry may still list a
      // dead one of the same node from an earlier run on this Redis, until a survivor cleans it up)
      await until(async () => (await incOf()) !== null, 5000, 'the late node beat');
      const first = (await incOf())!;
      // a survivor that read the node as dead while the node beats on removes no entry; dropping the
      // node's registration tells it, at its next beat, that it was taken for dead
      assert.equal(await b.cleanUp('late', first), 0);
      const second = await comesBack(first);
      // a cleanup that finished while the node stalled: entries, users set and registration gone
      const p = admin.pipeline();
      for (const u of users) p.hdel(`bfg:presence:{${u}}`, 'late');
      const removed = (await p.del(`bfg:node-users:late:${second}`).srem('bfg:incarnations', `late:${second}`).exec())!.map(([, n]) => n);
      assert.deepEqual(removed.flatMap((n, i) => (n === 1 ? [] : [i < users.length ? users[i] : i === users.length ? 'users set' : 'registration'])), [], 'removed what was there');
      // while it is away, survivors' reads may forget entries naming `second`: the write-back names a third
      await comesBack(second);
    } finally {
      await a.close();
      await b.close();
      ra.disconnect();
      rb.disconnect();
    }
  });
});
