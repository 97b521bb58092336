/** The MQTT adapter against mosquitto: MQTT 5 (No Local: no echo) and 3.1.1, and connections the server side kills. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runLoad } from '../../../loadgen/run/coordinator.js';
import { summary } from '../../../loadgen/run/summary.js';
import { parseScenario } from '../../../loadgen/scenario/scenario.js';
import { startMosquitto } from '../../helpers/mosquitto.js';

let broker: Awaited<ReturnType<typeof startMosquitto>> | undefined;
before(async () => { broker = await startMosquitto(); });
after(() => broker?.stop());

const scenario = (version: 4 | 5, extra: object = {}) => parseScenario({
  name: `mosquitto-v${version}`, protocol: 'mqtt', users: 20, arrival_rate: 200, duration_s: 3, drain_s: 1,
  rooms: { size: 5 }, messages: { rate_per_room: 10, body_bytes: 64 }, mqtt: { version, keepalive_s: 2 },
  thresholds: ['lost == 0', 'duplicated == 0'], ...extra,
});

for (const version of [5, 4] as const) {
  test(`mqtt ${version === 5 ? '5' : '3.1.1'} on mosquitto: 0 lost, 0 duplicated, one latency sample per delivery; ${version === 5 ? 'No Local: the broker sends no echo' : 'echoes seen and not counted'}`, async () => {
    const r = await runLoad({ scenario: scenario(version), target: broker!.url, progress: false, log: () => {} });
    assert.equal(r.passed, true, summary(r));
    assert.ok(r.ledger.delivered > 100, `delivered ${r.ledger.delivered}`);
    assert.equal(r.ledger.lost, 0);
    assert.equal(r.ledger.duplicated, 0);
    assert.equal(r.latency.every.count, r.ledger.delivered - r.ledger.recovered, 'one latency sample per fresh delivery');
    assert.equal(r.stats.acked, r.stats.sent, 'every QoS 1 publish acked');
    assert.ok(r.ledger.delivered <= r.stats.sent * 4, 'the echo to the publisher is never a delivery');
    if (version === 5) assert.equal(r.stats.echoes ?? 0, 0, 'No Local honoured: no message came back to its publisher');
    else assert.ok((r.stats.echoes ?? 0) > 0, 'MQTT 3.1.1 sends a publisher its own messages');
    assert.ok(r.handshake && r.handshake.count >= 20 && r.handshake.failed === 0);
  });
}

test('mqtt 5 on mosquitto: 3 connections the server side kills mid-run reconnect; what they missed while away is not lost, nothing twice', async () => {
  let killed = 0;
  const down0 = broker!.down();
  // the fault, once the run is well under way (all 20 connected, 20 KB sent to them), never on a timer
  const watch = setInterval(() => { if (!killed && broker!.open() === 20 && broker!.down() - down0 > 20_000) killed = broker!.kill(3); }, 20);
  try {
    const r = await runLoad({
      scenario: scenario(5, { duration_s: 4, reconnect: { policy: 'exponential', base_ms: 100, cap_ms: 200 }, thresholds: [] }),
      target: broker!.url, progress: false, log: () => {},
    });
    assert.equal(killed, 3, 'the fault happened during the run');
    assert.equal(r.stats.reconnects, 3, 'the three came back');
    assert.equal(r.ledger.lost, 0, JSON.stringify(r.ledger));
    assert.equal(r.ledger.duplicated, 0);
    assert.equal(r.latency.every.count, r.ledger.delivered - r.ledger.recovered);
  } finally {
    clearInterval(watch);
  }
});
