/** The lean client's TCP connection, on both transports: libuv's bare handle and net.Socket. */
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { dial, transport, type Wire, type WireOwner } from '../../../loadgen/client/tcp.js';
import { until } from '../../helpers/wait.js';

class Owner implements WireOwner {
  up = 0;
  data: Buffer[] = [];
  losses: string[] = [];
  connected(): void { this.up++; }
  bytes(d: Buffer): void { this.data.push(Buffer.from(d)); }
  lost(reason: string): void { this.losses.push(reason); }
  get text(): string { return Buffer.concat(this.data).toString(); }
}

test('this Node has the bare handle: the default transport is raw', () => {
  assert.equal(transport, 'raw');
});

for (const kind of ['raw', 'net'] as const) describe(`TCP on ${kind}`, () => {
  let server: net.Server;
  let port: number;
  const peers: net.Socket[] = [];
  const ended: string[] = [];
  before(async () => {
    // echoes what it reads; "close" makes it end the connection, "hold" makes it keep quiet
    server = net.createServer((s) => {
      peers.push(s);
      s.on('data', (d) => {
        const t = d.toString();
        if (t === 'close') s.end();
        else s.write(d);
      });
      s.on('end', () => ended.push('end'));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => {
    for (const p of peers) p.destroy();
    server.close(() => r());
  }));

  const open = async (o: Owner, host = '127.0.0.1', from?: string): Promise<Wire> => {
    const w = dial(o, host, port, from, kind);
    await until(() => o.up === 1 || o.losses.length > 0, 5000, 'the connection');
    return w;
  };

  test('a refused connection is lost once, naming ECONNREFUSED, never connected', async () => {
    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const p = (free.address() as AddressInfo).port;
    await new Promise((r) => free.close(r));
    const o = new Owner();
    dial(o, '127.0.0.1', p, undefined, kind);
    await until(() => o.losses.length > 0, 5000, 'the refusal');
    await new Promise((r) => setImmediate(r));
    assert.equal(o.up, 0);
    assert.equal(o.losses.length, 1);
    assert.match(o.losses[0], /ECONNREFUSED/);
  });

  test('strings and buffers go out in order from a chosen source address; the echo comes back', async () => {
    const o = new Owner();
    const w = await open(o, '127.0.0.1', '127.0.0.7');
    assert.equal(peers.at(-1)!.remoteAddress, '127.0.0.7');
    w.write('héllo ');
    w.write(Buffer.from('world'));
    await until(() => o.text === 'héllo world', 5000, 'the echo');
    w.destroy();
    await until(() => o.losses.length === 1, 5000, 'the loss after destroy');
  });

  test('the peer ending the connection is reported once as "connection ended"', async () => {
    const o = new Owner();
    const w = await open(o);
    w.write('close');
    await until(() => o.losses.length > 0, 5000, 'the end');
    w.destroy(); // after the loss: nothing more is reported (a bounded wait for a report that must not come)
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(o.losses, ['connection ended']);
  });

  test('end() sends our FIN; destroy() reports once, and later writes are ignored', async () => {
    const o = new Owner();
    const w = await open(o);
    const before = ended.length;
    w.end();
    await until(() => ended.length === before + 1, 5000, 'the server to see our FIN');
    w.destroy();
    w.destroy();
    w.write('ignored');
    await until(() => o.losses.length === 1, 5000, 'one loss');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(o.losses.length, 1);
  });

  test('pause stops reads until resumed', async () => {
    const o = new Owner();
    const w = await open(o);
    w.pause(true);
    w.write('a');
    // a check that nothing happens needs a bounded wait: the echo waits in the kernel while paused
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(o.text, '');
    w.pause(false);
    await until(() => o.text === 'a', 5000, 'the read after resume');
    w.destroy();
  });
});

test('a host name is dialled on net.Socket (the bare handle takes IP literals only)', async () => {
  const server = net.createServer((s) => s.end('hi'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const o = new Owner();
  const w = dial(o, 'localhost', (server.address() as AddressInfo).port);
  assert.equal(w.constructor.name, 'NetWire');
  await until(() => o.losses.length > 0, 5000, 'the end');
  assert.equal(o.text, 'hi');
  await new Promise((r) => server.close(r));
});
