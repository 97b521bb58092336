/** The NATS adapter: its stream reassembly, and a run against a real nats-server over WebSocket. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Vu } from '../../../loadgen/agent/vu.js';
import type { Spread } from '../../../loadgen/measure/spread.js';
import type { ProtocolSink, Stamp } from '../../../loadgen/protocols/adapter.js';
import { NatsAdapter } from '../../../loadgen/protocols/nats.js';
import { runLoad } from '../../../loadgen/run/coordinator.js';
import { summary } from '../../../loadgen/run/summary.js';
import { parseScenario } from '../../../loadgen/scenario/scenario.js';
import { startNats } from '../../helpers/nats.js';

test('MSG payloads that share a frame or span several are each read once; PING is answered; PONG after CONNECT is ready', () => {
  const got: [string, number | undefined][] = [], writes: string[] = [];
  let ready = 0;
  const sink = {
    message: (_v: Vu, room: string, _s: unknown, stamp?: Stamp) => got.push([room, stamp?.n]), write: (_v: Vu, b: Buffer) => writes.push(b.toString()),
    ready: () => ready++, undecodable: () => assert.fail('undecodable'),
  } as unknown as ProtocolSink;
  const a = new NatsAdapter(sink, { path: '/', subject_prefix: 'rooms.', echo: true });
  const vu = new Vu(1, 'u1', 'r', {} as Spread);
  const msg = (n: number) => { const p = JSON.stringify({ stamp: { s: 2, n, k: n, i: 1, t: 1 }, body: 'x\r\ny' }); return `MSG rooms.r 1 ${Buffer.byteLength(p)}\r\n${p}\r\n`; };
  a.frame(vu, Buffer.from('INFO {"server_id":"x"}\r\nPONG\r\n'), true, 0);
  a.frame(vu, Buffer.from(msg(1) + msg(2) + 'PING\r\n'), true, 0);
  const third = Buffer.from(msg(3));
  for (const [i, j] of [[0, 5], [5, 30], [30, third.length - 1], [third.length - 1, third.length]]) a.frame(vu, third.subarray(i, j), true, 0);
  assert.equal(ready, 1);
  assert.deepEqual(got, [['r', 1], ['r', 2], ['r', 3]]);
  assert.deepEqual(writes, ['PONG\r\n']);
});

test('nats over WebSocket on nats-server: CONNECT/PING/PONG, SUB per room, PUB; 0 lost, 0 duplicated, echoes not counted', async () => {
  const nats = await startNats();
  try {
    const r = await runLoad({
      scenario: parseScenario({
        name: 'nats-chat', protocol: 'nats', users: 20, arrival_rate: 200, duration_s: 3, drain_s: 1,
        rooms: { size: 5 }, messages: { rate_per_room: 10, body_bytes: 64 }, thresholds: ['lost == 0', 'duplicated == 0'],
      }),
      target: nats.url, progress: false, log: () => {},
    });
    assert.equal(r.passed, true, summary(r));
    assert.ok(r.ledger.delivered > 100, `delivered ${r.ledger.delivered}`);
    assert.equal(r.ledger.lost, 0);
    assert.equal(r.ledger.duplicated, 0);
    assert.equal(r.latency.every.count, r.ledger.delivered - r.ledger.recovered, 'one latency sample per fresh delivery');
    assert.ok(r.ledger.delivered <= r.stats.sent * 4, 'the echo to the publisher is never a delivery');
    assert.equal(r.stats.acked, r.stats.sent, 'every PUB acknowledged by the PONG after it');
    assert.ok(r.handshake && r.handshake.count >= 20 && r.handshake.failed === 0);
  } finally {
    nats.stop();
  }
});

test('nats: subscriber connections killed mid-run (10%) reconnect; nothing they missed while away is counted lost, nothing twice', async () => {
  const nats = await startNats();
  try {
    const r = await runLoad({
      scenario: parseScenario({
        name: 'nats-storm', protocol: 'nats', users: 20, arrival_rate: 200, duration_s: 4, drain_s: 1,
        rooms: { size: 5 }, messages: { rate_per_room: 10 }, storm: { drop_pct: 10, at_s: 2, method: 'client-drop' },
        reconnect: { policy: 'exponential', base_ms: 100, cap_ms: 200 },
      }),
      target: nats.url, progress: false, log: () => {},
    });
    assert.equal(r.stats.reconnects, 2, 'two of twenty users dropped and came back');
    assert.equal(r.ledger.lost, 0);
    assert.equal(r.ledger.duplicated, 0);
    assert.equal(r.latency.every.count, r.ledger.delivered - r.ledger.recovered);
  } finally {
    nats.stop();
  }
});
