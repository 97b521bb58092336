/** The load generator's own safety: targets checked on addresses, forged plans refused, no secret in Redis. */
import assert from 'node:assert/strict';
import { loadScenario } from '../../../loadgen/scenario/scenario.js';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { checkTarget } from '../../../loadgen/run/preflight.js';
import { runStream, ctlStream } from '../../../loadgen/remote/keys.js';
import { BFG, runBfg } from '../../helpers/cli.js';
import { startGateway } from '../../helpers/gateway.js';
import { startRedis } from '../../helpers/redis.js';
import { until } from '../../helpers/wait.js';

const SECRET = 'safety-secret-0123456789abcdef-0123456789';

test('--allow-remote is checked on addresses, not text: names are resolved and every address checked', async () => {
  for (const t of ['ws://127.evil.example', 'ws://10.attacker.example', 'ws://127.0.0.1.nip.io', 'ws://8.8.8.8:80', 'ws://[2001:db8::1]:80', 'ws://[::ffff:8.8.8.8]:1']) {
    await assert.rejects(checkTarget(t, false), /not a loopback or private address|cannot be resolved/, t);
  }
  for (const t of ['ws://localhost:1', 'ws://127.0.0.9:1', 'ws://10.1.2.3:1', 'ws://172.20.0.1:1', 'ws://192.168.1.1:1', 'ws://[::1]:1', 'ws://[::ffff:127.0.0.1]:1', 'ws://[fd00::5]:1']) {
    await assert.doesNotReject(checkTarget(t, false), t);
  }
  await assert.doesNotReject(checkTarget('ws://8.8.8.8:80', true));
  const cli = await runBfg(['load', 'scenarios/smoke.yaml', '--target', 'ws://127.0.0.1.nip.io:8080', '--no-progress']);
  assert.equal(cli.code, 2);
  assert.match(cli.stderr, /127\.0\.0\.1\.nip\.io.*(cannot be resolved|not a loopback)/);
});

test('a bfg agent refuses a forged plan aimed outside its rule, and one that asks for a secret it does not hold', async () => {
  const redis = await startRedis();
  const agent = spawn(process.execPath, [BFG, 'agent', '--join', redis.url, '--name', 'careful'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BFG_JWT_SECRET: '' } });
  let out = '';
  agent.stdout!.on('data', (d) => (out += d));
  agent.stderr!.on('data', (d) => (out += d));
  const r = new Redis(redis.url);
  try {
    await until(() => /joined/.test(out), 10_000, 'the agent to join');
    const scenario = loadScenario('scenarios/smoke.yaml');
    const forged = (run: string, extra: object) => JSON.stringify({
      scenario, agent: 0, first: 0, end: 1, run, t0: Date.now(), addresses: [], target: 'ws://127.0.0.1:9', targets: ['ws://127.0.0.1:9'], ...extra,
    });
    await r.xadd(ctlStream('careful'), '*', 'plan', forged('f01', { target: 'ws://8.8.8.8:80', targets: ['ws://8.8.8.8:80'] }));
    await r.xadd(ctlStream('careful'), '*', 'plan', forged('f02', { admin: 'http://1.1.1.1/admin/close' }));
    await r.xadd(ctlStream('careful'), '*', 'plan', forged('f03', { auth: 'jwt' }));
    for (const run of ['f01', 'f02', 'f03']) {
      await until(async () => (await r.xlen(runStream(run))) > 0, 10_000, `the refusal of ${run}`);
      const [[, f]] = await r.xrange(runStream(run), '-', '+');
      assert.equal(f[3], 'error');
      assert.match(f[5], run === 'f03' ? /holds no secret/ : /not a loopback or private address/);
    }
    assert.match(out, /refused a control entry for run f01/);
  } finally {
    agent.kill('SIGKILL');
    r.disconnect();
    redis.stop();
  }
});

test('a distributed run against a JWT gateway never writes the secret to Redis: agents sign with their own', async () => {
  const redis = await startRedis();
  const g = await startGateway({ auth: 'jwt', jwtSecret: SECRET });
  const admin = new Redis(redis.url);
  const monitor = await admin.monitor(); // a connection of its own: both are closed below
  const seen: string[] = [];
  monitor.on('monitor', (_t: string, args: string[]) => seen.push(args.join(' ')));
  const env = { ...process.env, BFG_JWT_SECRET: SECRET };
  const agent = spawn(process.execPath, [BFG, 'agent', '--join', redis.url, '--name', 'signer', '--once'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  agent.stdout!.on('data', (d) => (out += d));
  try {
    await until(() => /joined/.test(out), 10_000, 'the agent to join');
    const run = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const p = spawn(process.execPath, [BFG, 'load', 'scenarios/smoke.yaml', '--coordinator', redis.url, '--agents', '1', '--target', g.url,
        '--set', 'duration_s=2', '--no-progress', '--out', '/tmp/bfg-secret-run.json'], { stdio: ['ignore', 'pipe', 'pipe'], env });
      let text = '';
      p.stdout.on('data', (d) => (text += d));
      p.stderr.on('data', (d) => (text += d));
      p.on('exit', (code) => resolve({ code, text }));
    });
    assert.equal(run.code, 0, run.text);
    assert.match(run.text, /result: PASS/);
    assert.ok(seen.some((c) => c.includes('"auth":"jwt"')), 'the plan went through Redis (and was watched)');
    assert.equal(seen.filter((c) => c.includes(SECRET)).length, 0, 'the secret never reached Redis');
  } finally {
    agent.kill('SIGKILL');
    monitor.disconnect();
    admin.disconnect();
    await g.gw.close();
    redis.stop();
  }
});
