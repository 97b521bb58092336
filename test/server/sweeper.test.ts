import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WebSocket } from 'ws';
import type { Hub } from '../../server/hub.js';
import type { Outbox } from '../../server/outbox.js';
import { Session } from '../../server/session.js';
import { sweep } from '../../server/sweeper.js';
import { TestClient, stillWorks } from '../helpers/client.js';
import { startGateway } from '../helpers/gateway.js';
import { until } from '../helpers/wait.js';

describe('sweeper: heartbeats and the drain-time limit', () => {
  test('a consumer whose output stands still for slowMs is closed and counted, under slowBytes, while it keeps sending', async () => {
    // slowBytes far above what is sent: only the time rule can close it
    const g = await startGateway({ heartbeatMs: 100, slowMs: 400, slowBytes: 256 * 1024 * 1024, msgRate: 1e6, msgBurst: 1e6 });
    const stuck = await TestClient.connect(`${g.url}/?user=stuck`);
    const fast = await TestClient.connect(`${g.url}/?user=fast`);
    await stuck.join('flood');
    await fast.join('flood');
    const socket = (stuck.ws as unknown as { _socket: { pause(): void } })._socket;
    socket.pause();
    // the stuck client still writes (its frames keep the heartbeat from closing it as dead), but reads nothing
    const alive = setInterval(() => stuck.send({ op: 'presence', users: ['fast'] }), 30);
    try {
      const body = 'z'.repeat(16 * 1024);
      for (let i = 0; i < 1000; i++) fast.send({ op: 'send', room: 'flood', id: `z${i}`, body });
      await fast.waitFor((f) => f.op === 'ack', 1000, 20_000);
      const drops = async () => /bfg_slow_consumer_drops_total\{node="n1"\} 1/.test(await (await fetch(`${g.http}/metrics`)).text());
      await until(drops, 10_000, 'the stuck consumer to be dropped by the drain-time limit');
    } finally {
      clearInterval(alive);
    }
    await stillWorks(fast);
    stuck.close();
    fast.close();
    await g.gw.close();
  });

  // a socket whose output the test moves by hand: what the kernel would take between two sweeps
  function fakeSocket() {
    const sock = { bytesRead: 0, writableLength: 0, encrypted: false, _handle: null, write(b: Buffer) { sock.writableLength += b.length; return false; } };
    return sock;
  }
  function sweepOf(sock: ReturnType<typeof fakeSocket>) {
    const ws = { _socket: sock, terminated: false, terminate() { ws.terminated = true; } };
    const s = new Session(1, ws as unknown as WebSocket, 'u', 'json', undefined);
    const dropped: Session[] = [];
    const hub = { sessions: () => [s] } as unknown as Hub;
    const outbox = { dropSlow: (x: Session) => dropped.push(x) } as unknown as Outbox;
    return { ws, dropped, run: () => { sock.bytesRead++; sweep(hub, outbox, 0); } };
  }

  test('output that moves between every two sweeps is never stalled, however long it waits in all', () => {
    const sock = fakeSocket();
    const { dropped, run } = sweepOf(sock);
    sock.writableLength = 1_000_000;
    // slowMs 0: the first sweep that finds nothing moved would drop it
    for (let i = 0; i < 20; i++) {
      run();
      sock.writableLength -= 10_000; // the kernel took some of it
    }
    assert.equal(dropped.length, 0);
  });

  test('output that does not move is stalled at the next sweep past slowMs, though each sweep queues a ping behind it', () => {
    const sock = fakeSocket();
    const { dropped, run, ws } = sweepOf(sock);
    sock.writableLength = 1_000_000;
    run();
    assert.equal(dropped.length, 0, 'one sweep to notice, the next one past slowMs (0 here)');
    run();
    assert.equal(dropped.length, 1);
    assert.equal(ws.terminated, false, 'it reads: not dead, only stuck');
  });

  test('a peer that sent nothing since the last sweep is terminated, one that did is pinged', () => {
    const sock = fakeSocket();
    const { ws } = sweepOf(sock);
    const s = new Session(2, ws as unknown as WebSocket, 'u', 'json', undefined);
    const hub = { sessions: () => [s] } as unknown as Hub;
    const outbox = { dropSlow: () => {} } as unknown as Outbox;
    sock.bytesRead = 5;
    sweep(hub, outbox, 30_000);
    assert.equal(ws.terminated, false);
    assert.equal(sock.writableLength, 2, 'one empty ping frame');
    sweep(hub, outbox, 30_000);
    assert.equal(ws.terminated, true);
  });
});
