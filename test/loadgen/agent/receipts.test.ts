import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Receipts } from '../../../loadgen/agent/receipts.js';
import { Vu } from '../../../loadgen/agent/vu.js';
import { runLoad } from '../../../loadgen/run/coordinator.js';
import { loadScenario } from '../../../loadgen/scenario/scenario.js';
import { Spread } from '../../../loadgen/measure/spread.js';
import { newHist } from '../../../loadgen/measure/histogram.js';
import { startGateway } from '../../helpers/gateway.js';

const vu = (id: number) => new Vu(id, `u${id}`, 'r', new Spread(newHist(true), newHist(true)));

describe('read receipts due', () => {
  test('one receipt per user and room while one is pending, sent when due, oldest first per delay', () => {
    const r = new Receipts();
    const a = vu(1), b = vu(2);
    r.add(a, 'r', 100, 100);
    r.add(a, 'r', 150, 100); // a second unread in the same room: covered by the pending receipt
    r.add(b, 'r', 120, 100);
    r.add(a, 's', 60, 50);
    assert.equal(r.size, 3);
    const sent: string[] = [];
    r.due(99, (v, room) => sent.push(`${v.user}/${room}`));
    assert.deepEqual(sent, ['u1/s']);
    r.due(200, (v, room) => sent.push(`${v.user}/${room}`));
    assert.deepEqual(sent, ['u1/s', 'u1/r', 'u2/r']);
    assert.equal(r.size, 0);
    r.add(a, 'r', 300, 100); // after it was sent, a new unread makes a new receipt
    assert.equal(r.size, 1);
  });
});

describe('typing and read receipts in a run (BFG protocol, embedded gateway)', () => {
  let g: Awaited<ReturnType<typeof startGateway>>;
  before(async () => { g = await startGateway({ msgRate: 10_000, msgBurst: 10_000, typingIntervalMs: 0, ephemeralRate: 1000, ephemeralBurst: 1000 }); });
  after(() => g.gw.close());

  test('chat-peak\'s classes send typing and receipts; both are delivered and measured apart from messages', async () => {
    const s = loadScenario('scenarios/chat-peak.yaml', ['users=100', 'arrival_rate=200', 'duration_s=6', 'send_after_s=1', 'dm.rate_per_user=0',
      'classes=[{"name":"active","share":0.5,"msgs_per_min":30,"typing_per_min":60,"read_receipts":{"delay_ms":200}},{"name":"lurker","share":0.5,"msgs_per_min":0,"read_receipts":{"delay_ms":500}}]',
      'thresholds=[]']);
    const r = await runLoad({ scenario: s, target: g.url, progress: false, log: () => {} });
    const e = r.ephemeral!;
    assert.ok(e.sent.typing > 50, `typing sent (${e.sent.typing})`);
    assert.ok(e.received.typing > 0 && e.typing.count === e.received.typing, `typing received and each one measured (${e.received.typing}, ${e.typing.count})`);
    assert.ok(e.sent.read > 20 && e.received.read > 0 && e.read.count > 0, `receipts (${JSON.stringify([e.sent.read, e.received.read])})`);
    assert.ok(e.sent.read < r.ledger.delivered, 'one receipt covers several deliveries');
    assert.equal(r.ledger.lost, 0);
    assert.equal(r.ledger.duplicated, 0);
    assert.equal(r.stats.errors.rate_limited ?? 0, 0);
    assert.ok(Number.isFinite(r.metrics.typing_p99_ms) && Number.isFinite(r.metrics.read_p99_ms));
    assert.equal(r.metrics.shed_notices, 0);
  });
});

describe('overload-typing against a gateway shedding typing (level 1 set by hand and held)', () => {
  test('with shedding the typing is shed and counted, every message still arrives; without, the typing arrives', async () => {
    const run = async (shed: boolean) => {
      // typing shed from the start and held (a hold no run outlasts; signals no machine reaches), so the
      // run's end-of-run history reads are not shed: level 1 sheds typing only
      const g = await startGateway({ typingIntervalMs: 0, ephemeralRate: 100, ephemeralBurst: 200, shed, shedRecoverMs: 1e9, shedLoopMs: 1e6, shedLatencyMs: 1e6, msgRate: 10_000, msgBurst: 10_000 });
      g.gw.ctx.shedder.tick(Date.now(), 1e9);
      assert.deepEqual(g.gw.ctx.shedder.shed, shed ? ['typing'] : []);
      try {
        const s = loadScenario('scenarios/overload-typing.yaml', ['users=60', 'arrival_rate=120', 'duration_s=5', 'send_after_s=1', 'warmup_s=0', 'thresholds=[]']);
        return await runLoad({ scenario: s, target: g.url, progress: false, log: () => {} });
      } finally {
        await g.gw.close();
      }
    };
    const on = await run(true), off = await run(false);
    assert.ok(on.ephemeral!.sent.typing > 100);
    assert.ok(on.ephemeral!.shed_notices > 0, 'the gateway told its clients');
    assert.ok(on.ephemeral!.received.typing < on.ephemeral!.sent.typing / 10, `typing shed (${on.ephemeral!.received.typing} of ${on.ephemeral!.sent.typing} × 4 arrived)`);
    assert.equal(on.ledger.lost, 0);
    assert.ok(on.ledger.delivered > 0 && on.ledger.delivered === on.ledger.expected, 'messages never shed');
    assert.equal(off.ephemeral!.shed_notices, 0);
    assert.ok(off.ephemeral!.received.typing > off.ephemeral!.sent.typing, 'without shedding each typing reaches the other 4 members');
  });
});
