/** The MQTT adapter: its stream reassembly, and runs against a real broker (aedes over WebSocket). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate } from 'mqtt-packet';
import { Vu } from '../../../loadgen/agent/vu.js';
import type { ProtocolSink, Stamp } from '../../../loadgen/protocols/adapter.js';
import { MqttAdapter } from '../../../loadgen/protocols/mqtt.js';
import { runLoad } from '../../../loadgen/run/coordinator.js';
import { summary } from '../../../loadgen/run/summary.js';
import { parseScenario } from '../../../loadgen/scenario/scenario.js';
import type { Spread } from '../../../loadgen/measure/spread.js';
import { startMqttBroker } from '../../peers/mqtt-broker.js';

const OPTS = { version: 4 as const, path: '/mqtt', topic_prefix: 'rooms/', qos: 1 as const, keepalive_s: 30, echo: true };

test('packets that share a WebSocket frame or span several are each read once; QoS 1 deliveries owe a PUBACK', () => {
  const got: { room: string; stamp?: Stamp }[] = [], writes: Buffer[] = [];
  const sink = { message: (_v: Vu, room: string, _s: unknown, stamp?: Stamp) => got.push({ room, stamp }), write: (_v: Vu, b: Buffer) => writes.push(b), undecodable: () => assert.fail('undecodable') } as unknown as ProtocolSink;
  const a = new MqttAdapter(sink, OPTS);
  const vu = new Vu(1, 'u1', 'r', {} as Spread);
  const pub = (n: number) => generate({ cmd: 'publish', topic: 'rooms/r', qos: 1, messageId: n, dup: false, retain: false, payload: JSON.stringify({ stamp: { s: 2, n, k: n, i: 1, t: 1 }, body: 'x'.repeat(200) }) });
  a.frame(vu, Buffer.concat([pub(1), pub(2)]), true, 0);
  const third = pub(3);
  for (const [i, j] of [[0, 1], [1, 50], [50, third.length]]) a.frame(vu, third.subarray(i, j), true, 0);
  assert.deepEqual(got.map((g) => [g.room, g.stamp?.n]), [['r', 1], ['r', 2], ['r', 3]]);
  assert.deepEqual(writes.map((w) => [...w]), [1, 2, 3].map((n) => [0x40, 0x02, 0, n]), 'one PUBACK each');
});

test('MQTT 5: properties in PUBLISH, SUBACK and PUBACK are skipped; a reason code from 0x80 is an error, not an ack; SUBSCRIBE asks No Local', () => {
  const got: (number | undefined)[] = [], writes: Buffer[] = [], acks: string[] = [], errors: string[] = [], joins: string[] = [];
  const sink = {
    message: (_v: Vu, _room: string, _s: unknown, stamp?: Stamp) => got.push(stamp?.n), write: (_v: Vu, b: Buffer) => writes.push(b), acked: (_v: Vu, id: string) => acks.push(id),
    error: (_v: Vu, e: string) => errors.push(e), joined: (_v: Vu, room: string) => joins.push(room), undecodable: () => assert.fail('undecodable'),
  } as unknown as ProtocolSink;
  const a = new MqttAdapter(sink, { ...OPTS, version: 5 });
  assert.equal(a.echo, false, 'No Local: no echo to expect');
  const v5 = { protocolVersion: 5 as const };
  const vu = new Vu(1, 'u1', 'r', {} as Spread);
  a.opened(vu);
  assert.equal(writes[0][8], 5, 'CONNECT protocol level 5');
  a.join(vu, 'r');
  const sub = writes[1];
  assert.equal(sub[sub.length - 1] & 0x04, 0x04, 'SUBSCRIBE options carry No Local');
  a.frame(vu, generate({ cmd: 'suback', messageId: 1, granted: [1], properties: { reasonString: 'fine' } }, v5), true, 0);
  assert.deepEqual(joins, ['r']);
  a.publish(vu, 'r', 'm1', { s: 1, n: 1, k: 1, i: 1, t: 1 }, 'x');
  a.publish(vu, 'r', 'm2', { s: 1, n: 2, k: 2, i: 1, t: 1 }, 'x');
  a.frame(vu, Buffer.concat([
    generate({ cmd: 'puback', messageId: 2, reasonCode: 0x10, properties: { reasonString: 'no subscribers' } }, v5),
    generate({ cmd: 'puback', messageId: 3, reasonCode: 0x87 }, v5),
  ]), true, 0);
  assert.deepEqual(acks, ['m1'], '0x10 is success; 0x87 (not authorized) is not an ack');
  assert.deepEqual(errors, ['mqtt_puback_135']);
  const payload = JSON.stringify({ stamp: { s: 2, n: 7, k: 7, i: 1, t: 1 }, body: 'b' });
  a.frame(vu, generate({ cmd: 'publish', topic: 'rooms/r', qos: 1, messageId: 9, dup: false, retain: false, payload, properties: { payloadFormatIndicator: true, userProperties: { a: 'b' } } }, v5), true, 0);
  assert.deepEqual(got, [7], 'the payload found after the properties');
  assert.deepEqual([...writes[writes.length - 1]], [0x40, 0x02, 0, 9], 'its PUBACK');
});

const scenario = (extra: object = {}) => parseScenario({
  name: 'mqtt-chat', protocol: 'mqtt', users: 20, arrival_rate: 200, duration_s: 3, drain_s: 1,
  rooms: { size: 5 }, messages: { rate_per_room: 10, body_bytes: 64 }, mqtt: { keepalive_s: 1 },
  thresholds: ['lost == 0', 'duplicated == 0'], ...extra,
});

test('mqtt on aedes: CONNECT/CONNACK, SUBACK joins, PUBACK acks, PINGREQ at the keepalive; 0 lost, 0 duplicated, echoes not counted', async () => {
  const broker = await startMqttBroker();
  try {
    const r = await runLoad({ scenario: scenario(), target: broker.url, progress: false, log: () => {} });
    assert.equal(r.passed, true, summary(r));
    assert.ok(r.ledger.delivered > 100, `delivered ${r.ledger.delivered}`);
    assert.equal(r.ledger.lost, 0);
    assert.equal(r.ledger.duplicated, 0);
    assert.equal(r.latency.every.count, r.ledger.delivered - r.ledger.recovered, 'one latency sample per fresh delivery');
    assert.equal(r.stats.acked, r.stats.sent, 'every QoS 1 publish acked');
    // a message sent before all of its room had subscribed is expected by fewer than 4: hence ≤, not ==
    assert.ok(r.ledger.delivered <= r.stats.sent * 4, `the echo to the publisher is never a delivery (${r.ledger.delivered} > ${r.stats.sent} × 4)`);
    assert.ok(r.ledger.delivered >= r.ledger.expected, 'every expected message delivered');
    assert.ok((r.stats.echoes ?? 0) > 0, 'MQTT 3.1.1 echoes a publisher its own messages: seen, and not counted');
    assert.ok(broker.stats().pings >= 20, `PINGREQ from every client (${broker.stats().pings})`);
    assert.ok(r.handshake && r.handshake.count >= 20 && r.handshake.failed === 0);
  } finally {
    await broker.close();
  }
});

test('mqtt on aedes: a message the broker does not forward is counted exactly (lost 1)', async () => {
  const broker = await startMqttBroker({ drop: 61 });
  try {
    const r = await runLoad({ scenario: scenario(), target: broker.url, progress: false, log: () => {} });
    assert.equal(broker.stats().dropped, 1);
    assert.equal(r.ledger.lost, 1);
    assert.equal(r.ledger.duplicated, 0);
  } finally {
    await broker.close();
  }
});
