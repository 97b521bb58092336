import assert from 'node:assert/strict';
import net from 'node:net';
import { WebSocketServer } from 'ws';
import { summary } from '../../loadgen/run/summary.js';
import { test } from 'node:test';
import type { Envelope } from '../../server/broker/broker.js';
import { runLoad } from '../../loadgen/run/coordinator.js';
import { parseScenario } from '../../loadgen/scenario/scenario.js';
import { MemoryBroker } from '../../server/broker/memory.js';
import { MemoryStore } from '../../server/broker/memory.js';
import { startGateway } from '../helpers/gateway.js';

test('the ledger finds a planted loss, a planted duplicate, a planted reorder and a backfillable gap', async () => {
  // a store whose history hides seq 10: a message dropped on the wire and missing there is lost
  const inner = new MemoryStore(1000);
  const store = Object.assign(Object.create(inner) as MemoryStore, {
    range: async (room: string, after: number, limit: number) => (await inner.range(room, after, limit)).filter((m) => m.seq !== 10),
  });
  const g = await startGateway({ msgRate: 1000, msgBurst: 1000 }, { broker: new MemoryBroker(store) });
  const rooms = g.gw.ctx.rooms;
  const deliver = rooms.deliver.bind(rooms);
  let held: Envelope | undefined;
  // rewinds the room's last fanned-out seq, so the gateway sends a seq again or out of order
  const setLast = (topic: string, seq: number) => { (rooms as unknown as { state: Map<string, { last: number }> }).state.get(topic)!.last = seq; };
  rooms.deliver = (env: Envelope) => {
    const seq = env.msg.seq;
    if (env.topic.startsWith('@')) return deliver(env);
    if (seq === 3 || seq === 10) {
      // one recipient (not the sender) misses it
      const set = g.gw.hub.recipients(env.topic) as Set<{ id: number }>;
      const originId = Number(env.origin.split('/')[1]);
      const victim = [...set].find((s) => s.id !== originId)!;
      set.delete(victim);
      deliver(env);
      set.add(victim);
      return;
    }
    if (seq === 5) {
      deliver(env);
      setLast(env.topic, 4);
      return deliver(env);
    }
    if (seq === 7) return void (held = env);
    deliver(env);
    if (seq === 8 && held) {
      setLast(env.topic, 6);
      deliver(held);
      setLast(env.topic, 8);
    }
  };
  const scenario = parseScenario({
    name: 'planted', users: 4, arrival_rate: 100, duration_s: 3, send_after_s: 0.5, drain_s: 0.5,
    rooms: { size: 4 }, messages: { rate_per_room: 6 }, thresholds: ['lost == 0'],
  });
  const r = await runLoad({ scenario, target: g.url, progress: false, log: () => {} });
  await g.gw.close();
  assert.ok(r.stats.acked >= 12, `enough traffic to reach the planted seqs (${r.stats.acked})`);
  assert.equal(r.ledger.lost, 1, 'seq 10 missed by one recipient and absent from history');
  assert.equal(r.ledger.backfilled, 1, 'seq 3 missed by one recipient, found in history');
  assert.equal(r.ledger.duplicated, 3, 'seq 5 delivered twice to its 3 recipients');
  assert.equal(r.ledger.reordered, 3, 'seq 7 delivered after seq 8 to its 3 recipients');
  assert.equal(r.ledger.expected, r.ledger.delivered + r.ledger.backfilled + r.ledger.lost);
  assert.equal(r.passed, false, 'the lost == 0 threshold broke');
  assert.equal(r.thresholds[0].actual, 1);
});

test('a gateway that takes connections and never answers the upgrade: connect errors by cause, timed out and pending at the end', async () => {
  const held: net.Socket[] = [];
  const mute = net.createServer((s) => { held.push(s); s.on('error', () => {}); s.resume(); });
  await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
  const target = `ws://127.0.0.1:${(mute.address() as net.AddressInfo).port}`;
  try {
    for (const [timeout, cause] of [[300, 'connect_timeout'], [60_000, 'connect_pending_at_end']] as const) {
      const scenario = parseScenario({
        name: 'mute', users: 4, arrival_rate: 100, duration_s: 1.5, drain_s: 0, connect_timeout_ms: timeout,
        rooms: { size: 4 }, reconnect: { policy: 'never' }, thresholds: ['connect_errors == 0'],
      });
      const r = await runLoad({ scenario, target, progress: false, log: () => {} });
      assert.equal(r.stats.connects, 0);
      assert.equal(r.stats.connect_errors, 4, `every user's handshake counted (${cause})`);
      assert.equal(r.stats.errors[cause], 4, JSON.stringify(r.stats.errors));
      assert.equal(r.passed, false, 'connect_errors == 0 fails');
    }
  } finally {
    for (const s of held) s.destroy();
    mute.close();
  }
});

test('a server that closes every connection with 4401: the summary names 4401 and its count, and the run fails without thresholds', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => ws.close(4401, 'Unauthorized'));
  await new Promise((r) => wss.once('listening', r));
  try {
    const scenario = parseScenario({
      name: 'refused', users: 6, arrival_rate: 100, duration_s: 1.5, drain_s: 0,
      rooms: { size: 3 }, messages: { rate_per_room: 5 }, reconnect: { policy: 'exponential', base_ms: 100, cap_ms: 200 },
    });
    const r = await runLoad({ scenario, target: `ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}`, progress: false, log: () => {} });
    assert.deepEqual(r.thresholds, []);
    assert.equal(r.passed, false, 'nothing delivered: a failed run whatever its thresholds');
    assert.ok((r.failures ?? []).length === 1);
    const n = r.stats.closes['4401'];
    assert.ok(n >= 6, `every user closed with 4401 (${n})`);
    assert.match(summary(r), new RegExp(`4401 Unauthorized ×${n.toLocaleString('en-US')}`));
    assert.match(summary(r), /result: FAIL/);
  } finally {
    wss.close();
  }
});
