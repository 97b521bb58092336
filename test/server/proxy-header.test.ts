/** PROXY protocol headers: parsed where they end, and a gateway with --proxy-protocol counting clients by the address they carry. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import pp from 'proxy-protocol-js';
import WebSocket from 'ws';
import { parseProxyHeader } from '../../server/proxy-header.js';
import { startGateway } from '../helpers/gateway.js';
import { until } from '../helpers/wait.js';

const v2 = (src: [number, number, number, number], cmd = pp.Command.PROXY) => Buffer.from(new pp.V2ProxyProtocol(cmd, pp.TransportProtocol.STREAM,
  new pp.IPv4ProxyAddress(pp.IPv4Address.createFrom(src), 51000, pp.IPv4Address.createFrom([127, 0, 0, 1]), 4000)).build());

test('v2 and v1 headers end where they say and give the source address; LOCAL and UNKNOWN give none; anything else is refused', () => {
  const h = v2([10, 1, 2, 3]);
  const rest = Buffer.from('GET / HTTP/1.1\r\n');
  assert.deepEqual(parseProxyHeader(Buffer.concat([h, rest])), { end: h.length, address: '10.1.2.3' });
  for (let i = 1; i < h.length; i++) assert.equal(parseProxyHeader(h.subarray(0, i)), undefined, `a header cut at ${i} bytes waits for more`);
  assert.deepEqual(parseProxyHeader(v2([10, 1, 2, 3], pp.Command.LOCAL)), { end: h.length, address: undefined });
  const six = Buffer.from(new pp.V2ProxyProtocol(pp.Command.PROXY, pp.TransportProtocol.STREAM, new pp.IPv6ProxyAddress(
    pp.IPv6Address.createFrom([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), 1, pp.IPv6Address.createFrom(new Array(16).fill(0)), 2)).build());
  assert.deepEqual(parseProxyHeader(six), { end: six.length, address: '2001:db8:0:0:0:0:0:1' });
  const line = 'PROXY TCP4 192.0.2.7 127.0.0.1 51000 4000\r\n';
  assert.deepEqual(parseProxyHeader(Buffer.from(`${line}GET /`)), { end: line.length, address: '192.0.2.7' });
  assert.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n')), { end: 15, address: undefined });
  assert.equal(parseProxyHeader(Buffer.from('PROXY TCP4 1.2')), undefined);
  for (const bad of ['GET / HTTP/1.1\r\n', 'POST /', `PROXY ${'x'.repeat(120)}`, 'PROXY TCP4 nonsense here\r\n']) {
    const r = parseProxyHeader(Buffer.from(bad));
    assert.ok(r && 'error' in r, `refused: ${bad.slice(0, 20)}`);
  }
  const huge = Buffer.from(h);
  huge.writeUInt16BE(60_000, 14);
  assert.match((parseProxyHeader(huge) as { error: string }).error, /at most/);
});

/** a WebSocket over a TCP connection that first writes `header` (as HAProxy's send-proxy-v2 does) */
function viaHeader(port: number, header: Buffer, user: string): Promise<{ code: number | null; ws: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/?user=${user}`, {
      createConnection: () => { const s = net.connect(port, '127.0.0.1'); s.write(header); return s; },
    });
    ws.on('open', () => setTimeout(() => resolve({ code: null, ws }), 50));
    ws.on('close', (code) => resolve({ code, ws }));
    ws.on('error', () => {});
  });
}

test('--proxy-protocol: the per-IP cap counts the address in the header, not the balancer\'s; no header, or a bad one, is refused and counted', async () => {
  const g = await startGateway({ proxyProtocol: true, maxConnectionsPerIp: 2, handshakeTimeoutMs: 500 });
  try {
    const a1 = await viaHeader(g.port, v2([10, 0, 0, 1]), 'u1'), a2 = await viaHeader(g.port, v2([10, 0, 0, 1]), 'u2');
    assert.equal(a1.code, null); assert.equal(a2.code, null);
    assert.equal((await viaHeader(g.port, v2([10, 0, 0, 1]), 'u3')).code, 1013, 'a third from 10.0.0.1 is over the cap');
    const b = await viaHeader(g.port, v2([10, 0, 0, 2]), 'u4');
    assert.equal(b.code, null, 'another client address behind the same balancer is not');
    const local = await viaHeader(g.port, v2([10, 0, 0, 1], pp.Command.LOCAL), 'u5');
    assert.equal(local.code, null, 'LOCAL (a health check) counts as the socket\'s own address');
    const plain = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`${g.url}/?user=u6`);
      ws.on('open', () => resolve('open')); ws.on('error', (e) => resolve(e.message));
    });
    assert.notEqual(plain, 'open', 'a client that skips the header never reaches the gateway');
    const silent = net.connect(g.port, '127.0.0.1');
    silent.on('error', () => {});
    await until(() => silent.destroyed, 5000, 'a connection that sends nothing to be dropped after the handshake timeout');
    const plainHttp = await fetch(`http://127.0.0.1:${g.port}/health`).then(() => 'answered', () => 'refused');
    assert.equal(plainHttp, 'refused', 'plain HTTP without a header is refused too');
    await until(async () => /bfg_rejected_connections_total\{[^}]*reason="proxy_header"[^}]*\} [2-9]/.test(await g.gw.ctx.metrics.registry.metrics()), 5000, 'proxy_header refusals counted');
    for (const c of [a1, a2, b, local]) c.ws.terminate();
  } finally {
    await g.gw.close();
  }
});
