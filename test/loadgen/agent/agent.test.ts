/** One agent, wired, against a real in-process gateway: every message it sends reaches every other member, once. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Agent } from '../../../loadgen/agent/agent.js';
import { startGateway } from '../../helpers/gateway.js';
import { testPlan } from '../../helpers/plan.js';

test('an agent wires its users into rooms, speaks the scenario\'s protocol and delivers every message exactly once', async () => {
  const g = await startGateway({ msgRate: 1000, msgBurst: 1000 });
  try {
    const plan = testPlan(['users=20', 'rooms.size=10', 'messages.rate_per_room=5', 'duration_s=3', 'send_after_s=1', 'drain_s=1', 'thresholds=[]'], g.url);
    const agent = new Agent(plan);
    assert.equal(agent.vus.length, 20);
    assert.equal(agent.rooms.size, 2);
    assert.equal(agent.proto.name, 'bfg');
    assert.equal(agent.stamps, null, 'bfg numbers messages: the seq ledger, not the stamp ledger');
    const r = await agent.run();
    assert.ok(r.stats.sent > 0);
    assert.equal(r.stats.acked, r.stats.sent);
    assert.equal(r.counts.expected, r.stats.sent * 9, 'each message to the 9 other members of its room');
    assert.equal(r.counts.delivered + r.counts.backfilled, r.counts.expected);
    assert.equal(r.counts.lost, 0);
    assert.equal(r.counts.duplicated, 0);
    assert.equal(r.stats.connects, 20);
  } finally {
    await g.gw.close();
  }
});
