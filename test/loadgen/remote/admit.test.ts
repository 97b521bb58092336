/** What an agent host takes from its control stream: every entry read once, a plan admitted only within this host's limits. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { readControl, type HostLimits } from '../../../loadgen/remote/admit.js';
import { agentKey, ctlStream, runStream } from '../../../loadgen/remote/keys.js';
import { loadScenario } from '../../../loadgen/scenario/scenario.js';
import { BFG } from '../../helpers/cli.js';
import { startRedis } from '../../helpers/redis.js';
import { until } from '../../helpers/wait.js';

const limits: HostLimits = { capacity: 100, maxDurationS: 60, maxRate: 1000, maxBodyBytes: 4096 };
const plan = (extra: object = {}, sets: string[] = []) => JSON.stringify({
  scenario: loadScenario('scenarios/smoke.yaml', sets), agent: 0, first: 0, end: 20, run: 'abc123', t0: Date.now(),
  addresses: [], target: 'ws://127.0.0.1:9/', targets: ['ws://127.0.0.1:9/'], ...extra,
});

test('a plan bfg load would make is admitted, with its scenario checked again by the same schema', async () => {
  const e = await readControl(['plan', plan()], limits);
  assert.equal(e.kind, 'plan');
  assert.equal(e.kind === 'plan' && e.plan.scenario.name, 'smoke');
  assert.ok(e.kind === 'plan' && Object.isFrozen(e.plan.scenario));
});

test('entries that are not plans, not JSON, or past this host\'s limits are refused with their reason, never thrown', async () => {
  const cases: [string[], RegExp][] = [
    [['plan', 'not json'], /not JSON/],
    [['plan', '[]'], /JSON object/],
    [['launch', '{}'], /unknown control entry/],
    [['plan', plan({ end: 1_000 }, ['users=1000'])], /past this agent's --capacity 100/],
    [['plan', plan({}, ['duration_s=86400'])], /--max-duration-s 60/],
    [['plan', plan({}, ['messages.body_bytes=65536'])], /--max-body-bytes 4096/],
    [['plan', plan({}, ['messages.rate_per_room=1000'])], /--max-rate 1000/],
    [['plan', plan({ scenario: { name: 'x', users: 0 } })], /plan\.scenario/],
    [['plan', plan({ first: 'a', run: 'zz' })], /first: must be an integer/],
    // a plan from Redis never names code for the host to import
    [['plan', plan({}, ['protocol=./examples/tiny-chat-adapter.mjs'])], /plugin module runs only in bfg load's own agents/],
  ];
  for (const [fields, re] of cases) {
    const e = await readControl(fields, limits);
    assert.equal(e.kind, 'refused', fields.join(' ').slice(0, 60));
    assert.match(e.kind === 'refused' ? e.reason : '', re);
  }
  const named = await readControl(['plan', plan({}, ['duration_s=86400'])], limits);
  assert.equal(named.kind === 'refused' && named.run, 'abc123', 'a refusal names the run, so it can be answered there');
});

test('a running agent survives a malformed entry and an oversized plan, answers the run, and takes the next plan', async () => {
  const redis = await startRedis({ ephemeral: true });
  const agent = spawn(process.execPath, [BFG, 'agent', '--join', redis.url, '--name', 'sturdy', '--capacity', '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  agent.stdout!.on('data', (d) => (out += d));
  agent.stderr!.on('data', (d) => (out += d));
  const r = new Redis(redis.url);
  try {
    await until(() => /joined/.test(out), 10_000, 'the agent to join');
    await r.xadd(ctlStream('sturdy'), '*', 'plan', 'not json');
    await r.xadd(ctlStream('sturdy'), '*', 'plan', plan({ end: 1_000_000, run: 'b1f' }, ['users=1000000', 'duration_s=86400', 'messages.body_bytes=65536']));
    await until(async () => (await r.xlen(runStream('b1f'))) > 0, 10_000, 'the refusal on the run stream');
    const [[, f]] = await r.xrange(runStream('b1f'), '-', '+');
    assert.equal(f[3], 'error');
    assert.match(f[5], /--capacity 100/);
    assert.match(out, /refused a control entry: the plan is not JSON/);
    assert.equal(agent.exitCode, null, 'still running');
    assert.ok(await r.exists(agentKey('sturdy')), 'still beating');
  } finally {
    agent.kill('SIGKILL');
    r.disconnect();
    redis.stop();
  }
});
