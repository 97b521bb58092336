/** serve.front haproxy: the run's nodes behind a real HAProxy front, the spread it keeps, and the failover scenario through it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { frontSpread } from '../../../loadgen/run/front.js';
import { runLoad } from '../../../loadgen/run/coordinator.js';
import { summary } from '../../../loadgen/run/summary.js';
import { parseScenario } from '../../../loadgen/scenario/scenario.js';
import { runBfg } from '../../helpers/cli.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';

test('the spread: each node\'s peak, the busiest second, and its busiest node over the mean', () => {
  assert.deepEqual(frontSpread([{ t: 1, per_node: [1, 0] }, { t: 2, per_node: [6, 4] }, { t: 3, per_node: [2, 5] }]), { peak_per_node: [6, 5], busiest: [6, 4], max_over_mean: 1.2 });
  assert.equal(frontSpread([]), undefined);
});

describe('behind a real HAProxy front', () => {
  let redis: TestRedis;
  before(async () => { redis = await startRedis(); });
  after(() => redis?.stop());

  test('bfg load --serve with serve.front haproxy: one address for the generator, leastconn keeps the nodes even, nothing lost', async () => {
    const r = await runLoad({
      scenario: parseScenario({ name: 'front', users: 40, arrival_rate: 100, duration_s: 3, drain_s: 1, serve: { nodes: 2, front: 'haproxy' }, rooms: { size: 10 }, messages: { rate_per_room: 5 }, thresholds: ['lost == 0', 'duplicated == 0'] }),
      serve: true, redis: redis.url, progress: false, log: () => {},
    });
    assert.equal(r.passed, true, summary(r));
    const f = r.server?.front;
    assert.ok(f, 'the front was sampled');
    assert.equal(f.peak_per_node.length, 2);
    assert.equal(f.busiest.reduce((a, b) => a + b, 0), 40, `every user behind the front at the busiest second (${f.busiest})`);
    assert.ok(f.max_over_mean <= 1.25, `leastconn keeps them even: ${f.busiest}`);
    assert.match(summary(r), /behind the HAProxy front \(leastconn; measured, its stats socket\): connections per node at the busiest second \d+, \d+/);
  });

  test('the failover scenario through the front: a node killed, its clients back through the same address, nothing lost (bfg load exits 0)', async () => {
    const r = await runBfg(['load', 'scenarios/failover.yaml', '--serve', '--redis', redis.url, '--set', 'serve.front=haproxy', '--no-progress', '--out', '/tmp/bfg-front-failover.json'], 120_000);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /lost 0, duplicated 0/);
    assert.match(r.stdout, /reconnects [1-9]/);
    assert.match(r.stdout, /storm at 3s: 33% by kill-node/);
    assert.match(r.stdout, /behind the HAProxy front/);
  });

  test('a node drained by SIGTERM through the front: drain frames, close 1001, its clients back through the same address, nothing lost', async () => {
    const r = await runBfg(['load', 'scenarios/failover.yaml', '--serve', '--redis', redis.url, '--set', 'serve.front=haproxy', '--set', 'storm.method=drain-node',
      // the drain spreads its clients' return over --drain-jitter-ms (5 s by default, the scenario's whole recovery budget)
      '--set', 'serve.args=["--history","10000","--drain-jitter-ms","2000"]', '--no-progress', '--out', '/tmp/bfg-front-drain.json'], 120_000);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /lost 0, duplicated 0/);
    assert.match(r.stdout, /storm at 3s: 33% by drain-node/);
    assert.match(r.stdout, /time to recover [0-9]+ ms/);
    const result = JSON.parse(readFileSync('/tmp/bfg-front-drain.json', 'utf8')) as { stats: { reconnects: number; closes: Record<string, number> } };
    assert.ok(result.stats.reconnects >= 50, `the drained node's clients came back through the front: ${result.stats.reconnects} reconnects`);
    assert.ok((result.stats.closes['1001'] ?? 0) >= 50, `they were closed going away (1001), not cut: ${JSON.stringify(result.stats.closes)}`);
  });
});
