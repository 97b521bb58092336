import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignClasses, buildRooms, zipfTable } from '../../../loadgen/agent/mix.js';
import { runLoad } from '../../../loadgen/run/coordinator.js';
import { loadScenario, parseScenario } from '../../../loadgen/scenario/scenario.js';
import { startGateway } from '../../helpers/gateway.js';

const shares = (members: number[][]) => {
  const by = new Map<number, number>();
  for (const m of members) by.set(m.length, (by.get(m.length) ?? 0) + 1);
  return by;
};

test('mix: a size/share table gives the stated share of rooms per size (±2% over 10,000 rooms), each user in per_user rooms', () => {
  const table = [{ size: 2, share: 0.6 }, { size: 5, share: 0.3 }, { size: 50, share: 0.1 }];
  // users × per_user seats = Σ sizes: about 10,000 rooms of mean size 7.7
  const users = 25_700, perUser = 3;
  const r = buildRooms(1000, 1000 + users, { sizes: table }, perUser, 42);
  assert.ok(r.members.length > 9_900, `${r.members.length} rooms`);
  const by = shares(r.members.slice(0, -1)); // the last room takes what is left
  const n = r.members.length - 1;
  for (const { size, share } of table) assert.ok(Math.abs((by.get(size) ?? 0) / n - share) <= 0.02, `size ${size}: ${(by.get(size) ?? 0) / n} of rooms, stated ${share}`);
  const short = r.of.filter((rooms) => rooms.length !== perUser).length;
  assert.equal(short, 0, 'every user is in exactly per_user rooms');
  for (const m of r.members) assert.equal(new Set(m).size, m.length, 'nobody twice in a room');
  assert.ok(r.members.flat().every((u) => u >= 1000 && u < 1000 + users), 'rooms hold only this agent\'s users');
});

test('mix: Zipf sizes follow P(k) ∝ k^-s (±2% per size over 10,000 rooms)', () => {
  const z = { min: 2, max: 40, s: 1.5 };
  const table = zipfTable(z.min, z.max, z.s);
  const total = table.reduce((a, x) => a + x.share, 0);
  const mean = table.reduce((a, x) => a + (x.size * x.share) / total, 0);
  const r = buildRooms(0, Math.round(10_200 * mean), { zipf: z }, 1, 7);
  const n = r.members.length - 1;
  assert.ok(n >= 10_000, `${n} rooms`);
  const by = shares(r.members.slice(0, -1));
  for (const { size, share } of table.slice(0, 5)) assert.ok(Math.abs((by.get(size) ?? 0) / n - share / total) <= 0.02, `size ${size}: ${(by.get(size) ?? 0) / n}, Zipf ${share / total}`);
  assert.ok((by.get(40) ?? 0) > 0, 'a few very large rooms');
});

test('mix: user classes take their shares exactly', () => {
  const c = assignClasses(0, 1000, [{ name: 'active', share: 0.1, msgs_per_min: 1 }, { name: 'lurker', share: 0.9, msgs_per_min: 0 }], 3);
  assert.equal(c.filter((x) => x === 0).length, 100);
  assert.equal(c.filter((x) => x === 1).length, 900);
});

test('chat-mix.yaml runs against bfg serve: users in several rooms, classes sending, DMs, nothing lost', async () => {
  const g = await startGateway({ msgRate: 1000, msgBurst: 1000, maxRooms: 100 });
  try {
    // the peak hour compressed: the active class at 60 a minute instead of 1, so 4 s carry traffic
    const s = loadScenario('scenarios/chat-mix.yaml', ['users=300', 'duration_s=4', 'send_after_s=1', 'dm.rate_per_user=0.01',
      'classes=[{name: active, share: 0.1, msgs_per_min: 60}, {name: lurker, share: 0.9, msgs_per_min: 0}]']);
    const r = await runLoad({ scenario: s, target: g.url, progress: false, log: () => {} });
    assert.ok(r.stats.sent > 60, `the active class sent (${r.stats.sent})`);
    assert.equal(r.stats.send_errors, 0, JSON.stringify(r.stats.errors));
    assert.equal(r.ledger.lost, 0);
    assert.equal(r.ledger.duplicated, 0);
    assert.ok(r.ledger.delivered > r.stats.sent, 'fan-out to other members');
    assert.ok(r.latency.first.count > 0);
  } finally {
    await g.gw.close();
  }
});

test('mix: sizes and zipf together, classes with a per-room rate, per_user rooms on a protocol without seqs are refused by name', () => {
  assert.throws(() => parseScenario({
    name: 'x', users: 10, protocol: 'socketio', rooms: { sizes: [{ size: 2, share: 1 }], zipf: { min: 5, max: 2, s: 1 }, per_user: 2 },
    classes: [{ name: 'a', share: 1, msgs_per_min: 1 }], messages: { rate_per_room: 1 },
  }), (e: unknown) => {
    const m = (e as Error).message;
    return /give sizes or zipf, not both/.test(m) && /min 5 exceeds max 2/.test(m) && /set messages.rate_per_room to 0/.test(m) && /\/rooms\/per_user/.test(m);
  });
});
