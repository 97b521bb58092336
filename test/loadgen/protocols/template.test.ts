import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runLoad } from '../../../loadgen/run/coordinator.js';
import { loadScenario, parseScenario } from '../../../loadgen/scenario/scenario.js';
import { BfgError } from '../../../protocol/index.js';
import { startTinyChat } from '../../peers/tiny-chat.js';
import { startWsChat } from '../../peers/ws-chat.js';

const SCENARIO = 'scenarios/template-echo.yaml';

test('template: the template-echo scenario against a plain ws chat server: every delivery measured, none lost', async () => {
  const app = await startWsChat();
  try {
    const s = loadScenario(SCENARIO, ['users=40', 'duration_s=3', 'rooms.size=10']);
    const r = await runLoad({ scenario: s, target: `ws://127.0.0.1:${app.port}`, progress: false, log: () => {} });
    assert.ok(r.stats.sent >= 40, `traffic flowed (${r.stats.sent})`);
    assert.equal(r.ledger.expected, r.stats.sent * 9);
    assert.equal(r.ledger.delivered, r.ledger.expected);
    assert.equal(r.latency.every.count, r.ledger.delivered);
    assert.deepEqual([r.ledger.lost, r.ledger.duplicated], [0, 0]);
    assert.equal(r.passed, true);
  } finally {
    await app.close();
  }
});

test('template: a planted duplicate (every 7th message sent twice) is counted exactly, and fails its threshold', async () => {
  const app = await startWsChat({ dupEvery: 7 });
  try {
    const s = loadScenario(SCENARIO, ['users=40', 'duration_s=3', 'rooms.size=10']);
    const r = await runLoad({ scenario: s, target: `ws://127.0.0.1:${app.port}`, progress: false, log: () => {} });
    assert.ok(app.stats.duplicated_deliveries > 0, 'the fault fired');
    assert.equal(r.ledger.duplicated, app.stats.duplicated_deliveries);
    assert.equal(r.ledger.lost, 0);
    assert.equal(r.latency.every.count, r.ledger.delivered, 'a duplicate gives no latency sample');
    assert.equal(r.passed, false);
  } finally {
    await app.close();
  }
});

test('template: what the protocol cannot do is refused at load, every field named', () => {
  assert.throws(() => parseScenario({
    name: 'x', users: 2, protocol: 'template', format: 'msgpack', dm: { rate_per_user: 1 },
    template: { publish: '{"m":"{{nope}}"}', match: { stamp: 'stamp' } },
  }), (err: unknown) => {
    const m = (err as BfgError).message;
    return err instanceof BfgError && /dm\/rate_per_user/.test(m) && /\/format/.test(m) && /unknown placeholder \{\{nope\}\}/.test(m) && /must carry \{\{stamp\}\}/.test(m);
  });
  assert.throws(() => parseScenario({ name: 'x', users: 2, protocol: 'template' }), /needs a template block/);
});

test('template: a handshake (open frames, then a ready frame), joins confirmed, server pings answered and client heartbeats sent', async () => {
  const chat = await startTinyChat();
  try {
    const s = parseScenario({
      name: 'tiny-template', protocol: 'template', users: 20, arrival_rate: 200, duration_s: 3, drain_s: 1,
      rooms: { size: 5 }, messages: { rate_per_room: 10 }, thresholds: ['lost == 0'],
      template: {
        path: '/chat', subprotocol: 'tiny-chat.v1',
        open: ['{"type":"hello","user":"{{user}}"}'], ready: { path: 'type', equals: 'welcome' },
        join: '{"type":"sub","room":"{{room}}"}', joined: { path: 'type', equals: 'subscribed' },
        publish: '{"type":"pub","room":"{{room}}","id":"{{id}}","data":{"stamp":{{stamp}},"body":{{body}}}}',
        match: { room: 'room', stamp: 'data.stamp' },
        ping: { path: 'type', equals: 'ping', reply: '{"type":"pong"}' },
        heartbeat: { every_ms: 500, frame: '{"type":"beat"}' },
      },
    });
    const r = await runLoad({ scenario: s, target: chat.url, progress: false, log: () => {} });
    // without the handshake the server closes every socket 4401 before its first join
    assert.equal(r.stats.closes['4401'], undefined);
    assert.ok(r.ledger.delivered > 100 && r.ledger.lost === 0 && r.ledger.duplicated === 0, JSON.stringify(r.ledger));
    assert.ok(r.handshake && r.handshake.count >= 20);
    assert.ok(chat.stats().pongs > 0 && chat.stats().beats >= 20, JSON.stringify(chat.stats()));
  } finally {
    chat.close();
  }
});
