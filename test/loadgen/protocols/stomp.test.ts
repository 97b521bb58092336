/** The STOMP adapter: its frame reassembly, and runs against RabbitMQ's Web-STOMP (and the MQTT adapter against its Web-MQTT). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Vu } from '../../../loadgen/agent/vu.js';
import type { Spread } from '../../../loadgen/measure/spread.js';
import type { ProtocolSink, Stamp } from '../../../loadgen/protocols/adapter.js';
import { StompAdapter } from '../../../loadgen/protocols/stomp.js';
import { runLoad } from '../../../loadgen/run/coordinator.js';
import { summary } from '../../../loadgen/run/summary.js';
import { parseScenario } from '../../../loadgen/scenario/scenario.js';
import { startRabbit } from '../../helpers/rabbitmq.js';

test('STOMP frames that share a WebSocket message or span several are each read once; heart-beat EOLs skipped; receipts ack and join', () => {
  const got: [string, number | undefined][] = [], acks: string[] = [], joins: string[] = [];
  let ready = 0;
  const sink = {
    message: (_v: Vu, room: string, _s: unknown, stamp?: Stamp) => got.push([room, stamp?.n]), acked: (_v: Vu, id: string) => acks.push(id),
    joined: (_v: Vu, room: string) => joins.push(room), ready: () => ready++, undecodable: () => assert.fail('undecodable'),
  } as unknown as ProtocolSink;
  const a = new StompAdapter(sink, { path: '/ws', vhost: '/', login: 'guest', passcode: 'guest', heart_beat_ms: 0, echo: true });
  const vu = new Vu(1, 'u1', 'r', {} as Spread);
  const msg = (n: number) => { const body = JSON.stringify({ stamp: { s: 2, n, k: n, i: 1, t: 1 }, body: 'a\u0000b' }); return `MESSAGE\ndestination:/topic/r\ncontent-length:${Buffer.byteLength(body)}\n\n${body}\0`; };
  a.frame(vu, Buffer.from('CONNECTED\nversion:1.2\n\n\0\nRECEIPT\nreceipt-id:s:r\n\n\0'), false, 0);
  a.frame(vu, Buffer.from(`${msg(1)}\n${msg(2)}RECEIPT\nreceipt-id:p:1:1\n\n\0`), false, 0);
  const third = Buffer.from(msg(3));
  for (const [i, j] of [[0, 3], [3, 40], [40, third.length - 1], [third.length - 1, third.length]]) a.frame(vu, third.subarray(i, j), false, 0);
  assert.equal(ready, 1);
  assert.deepEqual(joins, ['r']);
  assert.deepEqual(acks, ['1:1']);
  assert.deepEqual(got, [['r', 1], ['r', 2], ['r', 3]]);
});

let rabbit: Awaited<ReturnType<typeof startRabbit>> | undefined;
before(async () => { rabbit = await startRabbit(); });
after(() => rabbit?.stop());

const scenario = (protocol: 'stomp' | 'mqtt', extra: object = {}) => parseScenario({
  name: `rabbitmq-${protocol}`, protocol, users: 20, arrival_rate: 200, duration_s: 3, drain_s: 1,
  rooms: { size: 5 }, messages: { rate_per_room: 10, body_bytes: 64 }, thresholds: ['lost == 0', 'duplicated == 0'], ...extra,
});

test('stomp on RabbitMQ Web-STOMP: CONNECT/CONNECTED, receipts for joins and sends, heart-beats; 0 lost, 0 duplicated, echoes not counted', async () => {
  const r = await runLoad({ scenario: scenario('stomp', { stomp: { heart_beat_ms: 500 } }), target: rabbit!.stomp, progress: false, log: () => {} });
  assert.equal(r.passed, true, summary(r));
  assert.ok(r.ledger.delivered > 100, `delivered ${r.ledger.delivered}`);
  assert.equal(r.latency.every.count, r.ledger.delivered - r.ledger.recovered, 'one latency sample per delivery (recovered ones are not fresh)');
  assert.equal(r.stats.acked, r.stats.sent, 'every SEND has its RECEIPT');
  // every expected message arrived; beyond them only messages written before a member's subscription
  // was confirmed (its RECEIPT), which the broker may already deliver: counted delivered, never expected
  // (a round trip's window at 10 messages a second per room: a few; 20, one per user, is well above it)
  assert.ok(r.ledger.delivered >= r.ledger.expected && r.ledger.delivered - r.ledger.expected <= 20, JSON.stringify(r.ledger));
  // a message sent before a member's subscription took is not expected of it: at most the other 4 members
  assert.ok(r.ledger.delivered <= r.stats.sent * 4, 'the echo to the publisher is never a delivery');
  assert.ok(r.handshake && r.handshake.count >= 20 && r.handshake.failed === 0);
});

test('mqtt on RabbitMQ Web-MQTT: the same run, 0 lost, 0 duplicated', async () => {
  const r = await runLoad({ scenario: scenario('mqtt', { mqtt: { path: '/ws', username: 'guest', password: 'guest' } }), target: rabbit!.mqtt, progress: false, log: () => {} });
  assert.equal(r.passed, true, summary(r));
  assert.ok(r.ledger.delivered > 100, `delivered ${r.ledger.delivered}`);
  // a message written before a receiver's session came up is delivered but recovered, not a latency sample
  assert.equal(r.latency.every.count, r.ledger.delivered - r.ledger.recovered, JSON.stringify(r.ledger));
  assert.equal(r.stats.acked, r.stats.sent, 'every QoS 1 publish acked');
});

test('stomp on RabbitMQ Web-STOMP: subscriber connections killed mid-run (10%) reconnect; nothing they missed while away is counted lost, nothing twice', async () => {
  const r = await runLoad({
    scenario: scenario('stomp', {
      duration_s: 4, stomp: { heart_beat_ms: 500 }, thresholds: [],
      storm: { drop_pct: 10, at_s: 2, method: 'client-drop' }, reconnect: { policy: 'exponential', base_ms: 100, cap_ms: 200 },
    }),
    target: rabbit!.stomp, progress: false, log: () => {},
  });
  assert.equal(r.stats.reconnects, 2, 'two of twenty users dropped and came back');
  assert.equal(r.ledger.lost, 0, JSON.stringify(r.ledger));
  assert.equal(r.ledger.duplicated, 0);
  assert.equal(r.latency.every.count, r.ledger.delivered - r.ledger.recovered);
});
