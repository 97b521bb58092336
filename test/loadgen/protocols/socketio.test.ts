import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runLoad } from '../../../loadgen/run/coordinator.js';
import { parseScenario } from '../../../loadgen/scenario/scenario.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { startSocketIoChat } from '../../peers/socketio-chat.js';

const base = {
  protocol: 'socketio', users: 40, arrival_rate: 400, duration_s: 3.5, send_after_s: 1, drain_s: 1,
  rooms: { size: 10 }, messages: { rate_per_room: 10 },
};
const run = (target: string, extra: Record<string, unknown> = {}) =>
  runLoad({ scenario: parseScenario({ name: 'sio', ...base, ...extra }), target, progress: false, log: () => {} });

let redis: TestRedis;
before(async () => { redis = await startRedis({ ephemeral: true }); });
after(() => redis?.stop());

test('socketio: a healthy Socket.IO 4 app gives a latency sample for every delivery, none lost or duplicated', async () => {
  const app = await startSocketIoChat();
  try {
    const r = await run(`ws://127.0.0.1:${app.port}`);
    assert.equal(r.stats.connects, 40);
    assert.ok(r.stats.sent >= 40, `traffic flowed (${r.stats.sent} sent)`);
    assert.equal(r.stats.acked, r.stats.sent, 'every emit acknowledged by the app');
    // every message reaches the 9 other members of its room
    assert.equal(r.ledger.expected, r.stats.sent * 9);
    assert.equal(r.ledger.delivered, r.ledger.expected);
    assert.equal(r.latency.every.count, r.ledger.delivered, 'one latency sample per delivery');
    assert.equal(r.latency.first.count, r.stats.sent, 'first-recipient figure per message');
    assert.deepEqual([r.ledger.lost, r.ledger.duplicated, r.ledger.reordered], [0, 0, 0]);
  } finally {
    await app.close();
  }
});

test('socketio: an app that drops every 20th message gives lost exactly equal to the deliveries it dropped', async () => {
  const app = await startSocketIoChat({ dropEvery: 20 });
  try {
    const r = await run(`ws://127.0.0.1:${app.port}`);
    assert.ok(app.stats.dropped_messages >= 3, `the fault fired (${app.stats.dropped_messages} messages dropped)`);
    assert.equal(r.ledger.lost, app.stats.dropped_deliveries);
    assert.equal(r.ledger.expected, r.ledger.delivered + r.ledger.lost);
    assert.equal(r.ledger.duplicated, 0);
    assert.equal(r.passed, true, 'no thresholds: the run itself passes');
  } finally {
    await app.close();
  }
});

test('socketio: two nodes through @socket.io/redis-adapter on real Redis, users spread over both', async () => {
  const a = await startSocketIoChat({ redis: redis.url });
  const b = await startSocketIoChat({ redis: redis.url });
  try {
    const r = await run(`ws://127.0.0.1:${a.port},ws://127.0.0.1:${b.port}`, { thresholds: ['lost == 0', 'duplicated == 0'] });
    assert.equal(r.stats.connects, 40);
    assert.ok(a.stats.connections > 0 && b.stats.connections > 0, `both nodes hold users (${a.stats.connections}, ${b.stats.connections})`);
    assert.equal(r.ledger.expected, r.stats.sent * 9);
    assert.equal(r.ledger.delivered, r.ledger.expected, 'every delivery crossed the adapter');
    assert.equal(r.passed, true);
  } finally {
    await a.close();
    await b.close();
  }
});

test('socketio: a reconnect storm with connection-state recovery reports recovered sessions as the server answered them', async () => {
  const app = await startSocketIoChat({ recovery: true });
  try {
    const r = await run(`ws://127.0.0.1:${app.port}`, {
      duration_s: 5, socketio: { recovery: true },
      storm: { drop_pct: 50, at_s: 2.5, method: 'client-drop' }, reconnect: { policy: 'full-jitter', base_ms: 50, cap_ms: 300 },
    });
    assert.ok(r.stats.reconnects >= 15, `the storm dropped sockets (${r.stats.reconnects} reconnects)`);
    assert.equal((r.stats.recovered_sessions ?? 0) + (r.stats.unrecovered_sessions ?? 0), r.stats.reconnects, 'every reconnect answered recovered or not');
    assert.equal(r.stats.recovered_sessions, app.stats.recovered, 'recovered exactly when the server says so');
    assert.ok(app.stats.recovered > 0, 'the server recovered sessions');
    // recovery promises what was sent meanwhile: it is expected, and it came (replayed)
    assert.equal(r.ledger.lost, 0);
    assert.equal(r.ledger.duplicated, 0);
    assert.equal(r.metrics.recovered_sessions, r.stats.recovered_sessions);
  } finally {
    await app.close();
  }
});
