/** The second review's findings against the gateway, one test each, over real sockets. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { TestClient, stillWorks } from '../helpers/client.js';
import { BFG } from '../helpers/cli.js';
import { startGateway } from '../helpers/gateway.js';
import { until } from '../helpers/wait.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { gatewayOptions } from '../../server/options.js';
import { openParts } from '../../server/parts.js';

const SECRET = 'caps-secret-0123456789abcdef-0123456789abcdef';
const rejected = async (http: string, reason: string) => {
  const text = await (await fetch(`${http}/metrics`)).text();
  return Number(new RegExp(`bfg_rejected_connections_total\\{[^}]*reason="${reason}"[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0);
};
/** a raw ws client from a chosen source address; resolves with how it ended or that it opened */
const dial = (url: string, localAddress = '127.0.0.1') => new Promise<{ ws: WebSocket; code?: number }>((resolve, reject) => {
  const ws = new WebSocket(url, 'bfg.v1.json', { localAddress });
  ws.once('open', () => {
    // a refusal is a close right after the upgrade: wait briefly for it, on a condition
    const t = setTimeout(() => resolve({ ws }), 300);
    ws.once('close', (code) => { clearTimeout(t); resolve({ ws, code }); });
  });
  ws.once('error', reject);
});

describe('caps per user and per address', () => {
  test('--max-connections-per-user: the next socket of that user closes 1013 and is counted; other users and a freed slot pass', async () => {
    const g = await startGateway({ maxConnectionsPerUser: 5 });
    const mine = await Promise.all(Array.from({ length: 5 }, () => dial(`${g.url}/?user=greedy`)));
    assert.ok(mine.every((x) => x.code === undefined), 'five connections of one user are allowed');
    const sixth = await dial(`${g.url}/?user=greedy`);
    assert.equal(sixth.code, 1013);
    assert.equal(await rejected(g.http, 'per_user'), 1);
    assert.equal((await dial(`${g.url}/?user=other`)).code, undefined, 'another user is not affected');
    mine[0].ws.close();
    await until(() => g.gw.hub.ofUser('greedy').length === 4, 5000, 'a slot freed');
    assert.equal((await dial(`${g.url}/?user=greedy`)).code, undefined, 'a freed slot is usable again');
    await g.gw.close();
  });

  test('--max-connections-per-ip: the next socket from that address closes 1013; another address passes; off by default', async () => {
    const g = await startGateway({ maxConnectionsPerIp: 3 });
    const three = await Promise.all(['a', 'b', 'c'].map((u) => dial(`${g.url}/?user=${u}`, '127.0.0.3')));
    assert.ok(three.every((x) => x.code === undefined));
    assert.equal((await dial(`${g.url}/?user=d`, '127.0.0.3')).code, 1013);
    assert.equal(await rejected(g.http, 'per_ip'), 1);
    assert.equal((await dial(`${g.url}/?user=e`, '127.0.0.4')).code, undefined, 'another address is not affected');
    await g.gw.close();
    const open = await startGateway();
    const many = await Promise.all(Array.from({ length: 8 }, (_, i) => dial(`${open.url}/?user=u${i}`, '127.0.0.3')));
    assert.ok(many.every((x) => x.code === undefined), 'no per-address cap unless asked (a balancer shares one address)');
    await open.gw.close();
  });

  test('--max-rooms-per-user counts memberships across all of a user\'s connections', async () => {
    const g = await startGateway({ maxRoomsPerUser: 5, maxRooms: 100 });
    const [a, b] = await Promise.all([TestClient.connect(`${g.url}/?user=roomy`), TestClient.connect(`${g.url}/?user=roomy`)]);
    for (let i = 0; i < 3; i++) await a.join(`ra${i}`);
    for (let i = 0; i < 2; i++) await b.join(`rb${i}`);
    b.send({ op: 'join', room: 'rb2' });
    await b.waitFor((f) => f.op === 'error' && f.code === 'too_many_rooms');
    assert.equal(b.frames.some((f) => f.op === 'joined' && f.room === 'rb2'), false);
    await b.join('rb0'); // a re-join is no new membership
    a.send({ op: 'leave', room: 'ra0' });
    await b.join('rb2'); // a left room frees one
    await stillWorks(a);
    a.close();
    b.close();
    await g.gw.close();
  });
});

// these readers stall the event loop on purpose (12 MiB pages): a node that sheds history reads meanwhile
// (server/shedder.ts, tested in ephemeral.test.ts) would hide the per-read limits tested here
const NO_SHED = { shed: false } as const;

describe('HTTP history cannot take a node\'s memory', () => {
  let redis: TestRedis | undefined;
  after(() => redis?.stop());
  for (const store of ['memory', 'redis'] as const) test(`${store} store: 20 readers that never read: bounded pages, RSS growth under 300 MiB, every socket dropped within 30 s`, async (t) => {
    let parts = {};
    if (store === 'redis') {
      redis = await startRedis();
      parts = await openParts(gatewayOptions({ auth: 'none', store: 'redis', bus: 'redis', redis: redis.url }));
    }
    const g = await startGateway(store === 'redis' ? { store: 'redis', bus: 'redis', redis: redis!.url, ...NO_SHED } : NO_SHED, parts);
    const w = await TestClient.connect(`${g.url}/?user=writer`);
    // '"' is one stored byte and two in JSON: 99 bodies at --max-body are a 12 MiB page uncapped
    const body = '"'.repeat(64 * 1024 - 16);
    await w.join('big');
    for (let i = 0; i < 99; i++) w.send({ op: 'send', room: 'big', id: `b${i}`, body });
    await w.waitFor((f) => f.op === 'ack', 99, 30_000);
    const page = await (await fetch(`${g.http}/rooms/big/messages?after=0&limit=1000&user=r`)).json() as { messages: { seq: number }[]; more: boolean };
    assert.equal(page.more, true, 'a page ends at the byte cap and says there is more');
    assert.ok(page.messages.length > 0 && page.messages.length < 99);
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
    const readers = await Promise.all(Array.from({ length: 20 }, (_, i) => new Promise<net.Socket>((resolve) => {
      const s = net.connect(g.port, '127.0.0.1', () => {
        s.write(`GET /rooms/big/messages?after=0&limit=1000&user=r${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
        resolve(s);
      });
      s.on('error', () => {});
      s.pause(); // never reads
    })));
    // every reader's connection is gone from the gateway (the writer's socket is a session, not counted)
    await until(() => g.gw.unadmittedConnections === 0, 30_000, 'every reader that never reads dropped');
    clearInterval(sampler);
    const grew = `RSS grew ${((peak - rss0) / 2 ** 20).toFixed(0)} MiB (measured: the test process, gateway and readers)`;
    t.diagnostic(grew);
    assert.ok(peak - rss0 < 300 * 2 ** 20, grew);
    await stillWorks(w);
    for (const s of readers) s.destroy();
    w.close();
    await g.gw.close();
  });

  test('bodies with control characters (bar tab and newlines) or lone surrogates are refused, so JSON cannot multiply them', async () => {
    const g = await startGateway();
    const c = await TestClient.connect(`${g.url}/?user=ctl`);
    await c.join('ctl');
    c.raw('{"op":"send","room":"ctl","id":"x1","body":"\\u0001\\u0001"}');
    c.raw('{"op":"send","room":"ctl","id":"x2","body":"a\\ud800b"}');
    c.raw('{"op":"send","room":"ctl","id":"ok","body":"tab\\tnew\\nline\\r"}');
    await c.waitFor((f) => f.op === 'ack' && f.id === 'ok');
    await c.waitFor((f) => f.op === 'error' && (f.ref === 'x1' || f.ref === 'x2'), 2);
    assert.equal(c.frames.filter((f) => f.op === 'ack').length, 1, 'only the clean body is stored');
    c.close();
    await g.gw.close();
  });

  test('history reads in progress are bounded per user (429); a page that fits is read whole, and paging by `more` reads every message', async () => {
    const g = await startGateway({ historyReadsPerUser: 1, maxHistoryBytes: 32 * 2 ** 20, ...NO_SHED });
    const w = await TestClient.connect(`${g.url}/?user=writer`);
    await w.join('huge');
    // a 12 MiB page: more than loopback's socket buffers hold, so its read stays in progress while unread
    const body = '"'.repeat(64 * 1024 - 16);
    for (let i = 0; i < 99; i++) w.send({ op: 'send', room: 'huge', id: `h${i}`, body });
    await w.waitFor((f) => f.op === 'ack', 99, 30_000);
    const held = net.connect(g.port, '127.0.0.1', () => held.write('GET /rooms/huge/messages?after=0&limit=1000&user=pat HTTP/1.1\r\nHost: x\r\n\r\n'));
    held.on('error', () => {});
    held.pause();
    await until(async () => (await fetch(`${g.http}/rooms/huge/messages?after=0&limit=1&user=pat`)).status === 429, 5000, 'a second read of one user refused');
    assert.equal((await fetch(`${g.http}/rooms/huge/messages?after=0&limit=1&user=other`)).status, 200, 'another user reads');
    held.destroy();
    await until(async () => (await fetch(`${g.http}/rooms/huge/messages?after=0&limit=1&user=pat`)).status === 200, 5000, 'the user reads again once its read is gone');
    w.close();
    await g.gw.close();

    const small = await startGateway({ maxHistoryBytes: 4096, ...NO_SHED });
    const v = await TestClient.connect(`${small.url}/?user=writer`);
    await v.join('paged');
    for (let i = 0; i < 30; i++) v.send({ op: 'send', room: 'paged', id: `p${i}`, body: 'x'.repeat(500) });
    await v.waitFor((f) => f.op === 'ack', 30);
    const seqs: number[] = [];
    let pages = 0;
    for (let after = 0, more = true; more; pages++) {
      const p = await (await fetch(`${small.http}/rooms/paged/messages?after=${after}&limit=1000&user=pat`)).json() as { messages: { seq: number }[]; more: boolean };
      seqs.push(...p.messages.map((m) => m.seq));
      more = p.more;
      after = seqs.at(-1) ?? after;
    }
    assert.deepEqual(seqs, Array.from({ length: 30 }, (_, i) => i + 1));
    assert.ok(pages > 1, 'pages end at the byte cap');
    v.close();
    await small.gw.close();
  });
});

describe('the upgrade path', () => {
  test('slowloris: a valid client connects within 2 s while 1,000 half-open upgrades are held (and re-opened) against ulimit -n 1024', async () => {
    const proc = spawn('bash', ['-c', `ulimit -n 1024 && exec "${process.execPath}" "${BFG}" serve --port 0 --auth none --handshake-timeout-ms 30000`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      const on = (d: Buffer) => { out += d; const m = /listening on ws:\/\/[^:]+:(\d+)/.exec(out); if (m) resolve(Number(m[1])); };
      proc.stdout!.on('data', on);
      proc.stderr!.on('data', on);
      proc.on('exit', (code) => reject(new Error(`bfg serve exited ${code}: ${out}`)));
    });
    let held = 0, opened = 0, holding = true;
    // the attacker re-opens every dropped upgrade at once, bounded in count (and stopped below)
    const open = () => {
      if (!holding || opened >= 20_000) return;
      opened++;
      let up = false;
      const s = net.connect(port, '127.0.0.1', () => { up = true; held++; s.write('GET /?user=x HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n'); });
      s.on('error', () => {});
      s.on('close', () => { if (up) held--; open(); });
      s.resume();
    };
    for (let i = 0; i < 1000; i++) open();
    try {
      await until(() => held >= 900, 20_000, 'the half-open upgrades held');
      const t0 = Date.now();
      const c = await Promise.race([
        TestClient.connect(`ws://127.0.0.1:${port}/?user=valid`),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no connection within 2 s')), 2000)),
      ]);
      assert.ok(Date.now() - t0 <= 2000);
      await stillWorks(c);
      c.close();
      assert.equal(proc.exitCode, null, 'the gateway is alive');
    } finally {
      holding = false;
      proc.kill('SIGKILL');
    }
  });

  test('tokens: exp 1e300, iat in the year 3000, and a lifetime past --max-token-lifetime are refused; a sane one passes', async () => {
    const g = await startGateway({ auth: 'jwt', jwtSecret: SECRET, maxTokenLifetime: 3600 });
    const key = new TextEncoder().encode(SECRET);
    const now = Math.floor(Date.now() / 1000);
    const sign = (exp: number, iat?: number) => {
      const j = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('kim').setExpirationTime(exp);
      return (iat === undefined ? j : j.setIssuedAt(iat)).sign(key);
    };
    for (const tk of [await sign(1e300), await sign(now + 600, 32_503_680_000), await sign(now + 7200)]) {
      const c = await TestClient.connect(`${g.url}/?token=${tk}`);
      assert.equal((await c.waitClose()).code, 1008);
      assert.equal((await fetch(`${g.http}/rooms/r/messages?after=0&token=${tk}`)).status, 403, 'HTTP history refuses it too');
    }
    const ok = await TestClient.connect(`${g.url}/?token=${await sign(now + 600, now)}`);
    await stillWorks(ok);
    ok.close();
    await g.gw.close();
  });
});

describe('/metrics and /health on their own listener', () => {
  test('--metrics-port serves them there, and the public port no longer does', async () => {
    const g = await startGateway({ metricsPort: 0 });
    const ops = `http://127.0.0.1:${g.gw.metricsPort}`;
    assert.notEqual(g.gw.metricsPort, g.port);
    assert.equal((await fetch(`${ops}/health`)).status, 200);
    assert.match(await (await fetch(`${ops}/metrics`)).text(), /bfg_connections/);
    assert.equal((await fetch(`${g.http}/health`)).status, 404);
    assert.equal((await fetch(`${g.http}/metrics`)).status, 404);
    assert.equal((await fetch(`${ops}/rooms/r/messages?after=0&user=u`)).status, 404, 'the ops listener serves nothing else');
    assert.equal((await fetch(`${g.http}/rooms/r/messages?after=0&user=u`)).status, 200);
    const c = await TestClient.connect(`${g.url}/?user=u`);
    await stillWorks(c);
    c.close();
    await g.gw.close();
  });
});
