/** The fleet behind a real HAProxy (scripts/haproxy.sh): client addresses through PROXY v2, leastconn, health checks, a killed node and a drained one. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { Gateway } from '../../server/gateway.js';
import { gatewayOptions, type GatewayOptions } from '../../server/options.js';
import { openParts } from '../../server/parts.js';
import { TestClient } from '../helpers/client.js';
import { startHaproxy } from '../helpers/haproxy.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

let redis: TestRedis;
const fronts: { stop: () => void }[] = [];
const gateways: Gateway[] = [];

async function node(name: string, extra: Partial<GatewayOptions> = {}) {
  const opts = gatewayOptions({ port: 0, auth: 'none', node: name, bus: 'redis', store: 'redis', redis: redis.url, proxyProtocol: true, msgRate: 10_000, msgBurst: 10_000, ...extra });
  const gw = new Gateway(opts, await openParts(opts));
  await gw.listen();
  gateways.push(gw);
  return gw;
}

async function front(nodes: Gateway[]) {
  const f = await startHaproxy(nodes.map((g) => g.port));
  fronts.push(f);
  // the first health checks pass (rise 2, every second) before the front sends anyone to a node
  await until(async () => (await TestClient.connect(`${f.url}/?user=probe`).then((c) => { const ok = !c.closed; c.close(); return ok; }, () => false)), 10_000, 'the front to reach a node');
  return f;
}

/** opens a WebSocket through the front from a chosen loopback address; null when refused, else the socket */
function from(url: string, localAddress: string, user: string): Promise<{ ws: WebSocket; code: number | null }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url}/?user=${user}`, { localAddress });
    ws.on('open', () => setTimeout(() => resolve({ ws, code: null }), 100));
    ws.on('close', (code) => resolve({ ws, code }));
    ws.on('error', () => {});
  });
}

describe('a fleet behind HAProxy (real haproxy)', () => {
  before(async () => { redis = await startRedis(); });
  after(async () => {
    for (const f of fronts) f.stop();
    for (const g of gateways) await g.close().catch(() => {});
    redis?.stop();
  });

  test('PROXY v2: the node counts clients by their own address, not HAProxy\'s', async () => {
    const gw = await node('p1', { maxConnectionsPerIp: 2 });
    const f = await front([gw]);
    const ok = [await from(f.url, '127.0.0.2', 'a'), await from(f.url, '127.0.0.2', 'b')];
    assert.deepEqual(ok.map((c) => c.code), [null, null]);
    const logged: string[] = [];
    const error = console.error;
    console.error = (...a: unknown[]) => void logged.push(a.join(' '));
    try {
      assert.equal((await from(f.url, '127.0.0.2', 'c')).code, 1013, 'the third from 127.0.0.2 is over its cap');
    } finally {
      console.error = error;
    }
    assert.ok(logged.some((l) => /refused a connection: .*per-ip.*: 127\.0\.0\.2/.test(l)), `the log names the client's address: ${logged.join(' | ')}`);
    // HAProxy connects to the node from 127.0.0.1 every time: without the header this one would be refused too
    const other = await from(f.url, '127.0.0.3', 'd');
    assert.equal(other.code, null, 'a client from another address is admitted');
    // /metrics (read through the front, as any HTTP client would) counts the clients' addresses, not HAProxy's one
    const metrics = await (await fetch(`http://127.0.0.1:${f.port}/metrics`)).text();
    assert.match(metrics, /bfg_client_addresses\{[^}]*\} 2\b/);
    for (const c of [...ok, other]) c.ws.terminate();
  });

  test('leastconn spreads clients evenly; a killed node\'s clients reconnect through the same address and lose nothing acked', async () => {
    const [n1, n2] = [await node('l1'), await node('l2')];
    const f = await front([n1, n2]);
    const clients: TestClient[] = [];
    for (let i = 0; i < 10; i++) clients.push(await TestClient.connect(`${f.url}/?user=c${i}`));
    await until(() => n1.hub.size + n2.hub.size === 10, 5000, 'all ten on the nodes');
    assert.ok(Math.abs(n1.hub.size - n2.hub.size) <= 2, `leastconn: ${n1.hub.size} and ${n2.hub.size}`);
    for (const c of clients) await c.join('lb');
    for (let i = 0; i < 20; i++) clients[0].send({ op: 'send', room: 'lb', id: `m${i}`, body: 'x' });
    await clients[0].waitFor((fr) => fr.op === 'ack', 20, 10_000);
    // kill n1 (no drain): its clients' connections drop; they come back through the front
    const onN1 = n1.hub.size;
    await n1.close();
    await until(() => clients.filter((c) => c.closed).length === onN1, 5000, 'n1\'s clients to see the close');
    const back: TestClient[] = [];
    for (let i = 0; i < onN1; i++) back.push(await TestClient.connect(`${f.url}/?user=again-${i}`));
    assert.ok(back.every((c) => !c.closed), 'each reconnected through the front');
    await until(() => n2.hub.size === 10, 10_000, 'every client on the survivor');
    // nothing acked is lost: a client that joins after the outage reads all 20 from the store
    const late = back[0];
    await late.join('lb', 0);
    await late.waitFor((fr) => fr.op === 'msg', 20, 10_000);
    assert.deepEqual(late.msgs('lb').map((m) => m.seq), Array.from({ length: 20 }, (_, i) => i + 1));
    for (const c of [...clients, ...back]) c.close();
  });

  test('a drained node leaves the rotation: every new client goes to the other, none refused', async () => {
    const [d1, d2] = [await node('d1'), await node('d2')];
    const f = await front([d1, d2]);
    await d1.drain(500);
    const clients: TestClient[] = [];
    for (let i = 0; i < 6; i++) clients.push(await TestClient.connect(`${f.url}/?user=n${i}`));
    assert.ok(clients.every((c) => !c.closed), 'every client admitted');
    await until(() => d2.hub.size === 6, 5000, 'all six on the node still serving');
    for (const c of clients) c.close();
  });
});
