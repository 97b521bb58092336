/** The run's life: an abort ends the traffic early, and the drain, the ledger's close and the result still follow. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Agent } from '../../../loadgen/agent/agent.js';
import { startGateway } from '../../helpers/gateway.js';
import { testPlan } from '../../helpers/plan.js';
import { until } from '../../helpers/wait.js';

test('an aborted run stops sending at once and still closes its ledger and its sockets cleanly', async () => {
  const g = await startGateway({ msgRate: 1000, msgBurst: 1000 });
  try {
    const agent = new Agent(testPlan(['users=10', 'rooms.size=5', 'messages.rate_per_room=5', 'duration_s=60', 'send_after_s=0.5', 'drain_s=0.5', 'thresholds=[]'], g.url));
    const started = Date.now();
    const run = agent.run();
    await until(() => agent.stats.acked >= 5, 10_000, 'some messages acked');
    agent.abort();
    const r = await run;
    assert.ok(Date.now() - started < 20_000, 'ended well before its 60 s');
    assert.equal(r.counts.lost, 0, 'what was sent before the abort was delivered or backfilled');
    assert.equal(r.counts.delivered + r.counts.backfilled, r.counts.expected);
    assert.ok(r.timeline.length > 0);
    await until(() => g.gw.hub.size === 0, 5000, 'every socket closed');
  } finally {
    await g.gw.close();
  }
});
