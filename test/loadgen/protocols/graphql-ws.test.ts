/** The graphql-ws adapter against a real GraphQL chat on the `graphql-ws` library (test/peers/graphql-chat.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runLoad } from '../../../loadgen/run/coordinator.js';
import { parseScenario } from '../../../loadgen/scenario/scenario.js';
import { summary } from '../../../loadgen/run/summary.js';
import { startGraphqlChat } from '../../peers/graphql-chat.js';

const scenario = (extra: object = {}) => parseScenario({
  name: 'graphql-chat', protocol: 'graphql-ws', users: 20, arrival_rate: 200, duration_s: 3, drain_s: 1,
  rooms: { size: 5 }, messages: { rate_per_room: 10, body_bytes: 64 }, thresholds: ['lost == 0', 'duplicated == 0'], ...extra,
});

test('graphql-ws: connection_init/ack, a subscription per room, mutations acked; 0 lost, 0 duplicated, one latency sample per delivery, echoes not counted', async () => {
  const chat = await startGraphqlChat();
  try {
    const r = await runLoad({ scenario: scenario(), target: chat.url, progress: false, log: () => {} });
    assert.equal(r.passed, true, summary(r));
    assert.ok(r.ledger.delivered > 100, `delivered ${r.ledger.delivered}`);
    assert.equal(r.ledger.lost, 0);
    assert.equal(r.ledger.duplicated, 0);
    assert.equal(r.latency.every.count, r.ledger.delivered - r.ledger.recovered, 'one latency sample per fresh delivery');
    assert.equal(r.stats.acked, r.stats.sent, 'every mutation acked by its next');
    // each message goes to its room's 5 subscribers, the publisher's own echo among them
    assert.equal(chat.stats().events, r.stats.sent * 5);
    assert.equal(r.ledger.delivered, r.stats.sent * 4, 'the echo is never a delivery');
    assert.ok(r.handshake && r.handshake.count >= 20 && r.handshake.failed === 0);
  } finally {
    await chat.close();
  }
});

test('graphql-ws: an event the server drops is counted exactly (lost 1)', async () => {
  const chat = await startGraphqlChat({ drop: 57 });
  try {
    const r = await runLoad({ scenario: scenario(), target: chat.url, progress: false, log: () => {} });
    assert.equal(chat.stats().dropped, 1);
    assert.equal(r.ledger.lost, 1);
    assert.equal(r.ledger.duplicated, 0);
    assert.equal(r.passed, false, 'lost == 0 broke');
  } finally {
    await chat.close();
  }
});
