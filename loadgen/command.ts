/** `bfg load`: flags -> scenario -> run -> result file, summary, JUnit, exit code. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Argv } from 'yargs';
import { runLoad } from './run/coordinator.js';
import { selfTest, selfTestText } from './run/self-test.js';
import { junit } from './run/junit.js';
import { summary } from './run/summary.js';
import { loadScenario } from './scenario/scenario.js';
import { HOST_LIMITS, runAgentHost } from './remote/agent-host.js';
import { k8sJob } from './remote/k8s.js';
import { BfgError } from '../protocol/index.js';
import { PROTOCOLS } from './protocols/index.js';

/** Declares the load flags. */
export function loadFlags(y: Argv) {
  return y
    .positional('scenario', { type: 'string', describe: 'scenario YAML file (see scenarios/README.md)' })
    .option('self-test', { type: 'boolean', default: false, describe: 'measure the generator\'s own floor here (loopback round trips through its own client) instead of running a scenario' })
    .option('target', { type: 'string', describe: 'gateway URL ws://host:port, or the nodes of a fleet you run, comma-separated (overrides the scenario)' })
    .option('protocol', { type: 'string', describe: `the gateway's protocol (overrides the scenario's \`protocol\`): ${PROTOCOLS.join(', ')}, or a plugin module's path (./my-adapter.mjs)` })
    .option('serve', { type: 'boolean', default: false, describe: 'start a `bfg serve` for this run (with the scenario\'s serve.args) and sample its CPU and RSS' })
    .option('set', { type: 'string', array: true, default: [] as string[], describe: 'override a scenario field: --set rooms.size=50 (repeatable)' })
    .option('out', { type: 'string', describe: 'result JSON file (default: a new file per run, results/<scenario>-<time>.json)' })
    .option('junit', { type: 'string', describe: 'also write a JUnit XML report here' })
    .option('allow-remote', { type: 'boolean', default: false, describe: 'allow a target outside loopback and private addresses' })
    .option('jwt-secret', { type: 'string', describe: 'sign HS256 tokens per user for a gateway with --auth jwt (or env BFG_JWT_SECRET)' })
    .option('redis', { type: 'string', describe: 'Redis URL for a --serve fleet (scenario serve.nodes > 1), e.g. redis://127.0.0.1:6390' })
    .option('coordinator', { type: 'string', describe: 'distributed run: Redis URL that bfg agent --join processes joined' })
    .option('agents', { type: 'number', describe: 'with --coordinator: how many agents to wait for' })
    .option('agent-timeout', { type: 'number', default: 30, describe: 'with --coordinator: seconds to wait for the agents' })
    .option('progress', { type: 'boolean', default: true, describe: 'print a progress line every second' })
    .option('metrics-port', { type: 'number', describe: 'serve live Prometheus metrics (GET /metrics) on this port while the run lasts (0: a free one; the URL is printed)' })
    .option('metrics-host', { type: 'string', default: '127.0.0.1', describe: 'address for --metrics-port' });
}

type LoadArgs = Awaited<ReturnType<typeof loadFlags>['argv']>;

/** Runs `bfg load`; resolves with the exit code (0 pass, 1 a threshold broke). */
/** A new result file per run: results/<scenario>-<UTC time>.json (never overwriting an earlier run's). */
export function resultPath(scenario: string, at: Date, dir = 'results'): string {
  const stamp = at.toISOString().replace(/\..*$/, '').replace(/:/g, '').replace('T', '-');
  const base = `${dir}/${scenario.replace(/[^\w.-]+/g, '_')}-${stamp}`;
  for (let i = 1; ; i++) {
    const f = i === 1 ? `${base}.json` : `${base}-${i}.json`;
    if (!existsSync(f)) return f;
  }
}

export async function load(a: LoadArgs): Promise<number> {
  if (a['self-test']) {
    console.log(selfTestText(await selfTest()));
    return 0;
  }
  if (!a.scenario) throw new BfgError('bad_option', 'name a scenario file (bfg load scenarios/smoke.yaml), or pass --self-test');
  const mp = a['metrics-port'];
  if (mp !== undefined && (!Number.isInteger(mp) || mp < 0 || mp > 65535)) throw new BfgError('bad_option', `--metrics-port ${mp}: a TCP port 0..65535 (0 picks a free one)`);
  const scenario = loadScenario(a.scenario, a.protocol ? [...a.set, `protocol=${a.protocol}`] : a.set);
  if (a.serve && scenario.protocol !== 'bfg') throw new BfgError('bad_option', `--serve starts bfg serve, which speaks protocol bfg, not ${scenario.protocol}: start your gateway and pass --target ws://host:port`);
  const result = await runLoad({
    scenario, target: a.target, serve: a.serve, allowRemote: a['allow-remote'], progress: a.progress,
    jwtSecret: process.env.BFG_JWT_SECRET || a['jwt-secret'], redis: a.redis,
    coordinator: a.coordinator, agents: a.agents, agentTimeoutMs: a['agent-timeout'] * 1000,
    metricsPort: a['metrics-port'], metricsHost: a['metrics-host'],
  });
  const out = a.out ?? resultPath(scenario.name, new Date(result.started_at));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 1));
  if (a.junit) {
    mkdirSync(dirname(a.junit), { recursive: true });
    writeFileSync(a.junit, junit(result));
  }
  console.log(summary(result));
  for (const d of result.dead_agents ?? []) {
    const p = d.last_progress;
    console.log(`  DEAD AGENT: agent ${d.agent}: ${d.reason}${p ? ` (last report at t=${p.t}s: ${p.connected} connected, ${p.sent} sent, ${p.received} received; kept apart, not merged)` : ''}`);
  }
  console.log(`  written: ${out}${a.junit ? `, ${a.junit}` : ''}`);
  return result.passed ? 0 : 1;
}

/** Declares the agent flags. */
export function agentFlags(y: Argv) {
  return y
    .option('join', { type: 'string', describe: 'Redis URL of the coordinator to join, redis://host:port' })
    .option('name', { type: 'string', describe: 'agent name (default host-pid)' })
    .option('addresses', { type: 'string', describe: 'comma-separated local source addresses for the sockets' })
    .option('capacity', { type: 'number', describe: 'sockets this agent offers (default: fd limit - 256)' })
    .option('once', { type: 'boolean', default: false, describe: 'exit after one run' })
    .option('allow-remote', { type: 'boolean', default: false, describe: 'run plans aimed outside loopback and private addresses (names are resolved and every address checked)' })
    .option('max-duration-s', { type: 'number', default: HOST_LIMITS.maxDurationS, describe: 'refuse a plan with more seconds of traffic' })
    .option('max-rate', { type: 'number', default: HOST_LIMITS.maxRate, describe: 'refuse a plan that sends more messages per second from this agent' })
    .option('max-body-bytes', { type: 'number', default: HOST_LIMITS.maxBodyBytes, describe: 'refuse a plan with larger message bodies' })
    .option('k8s-manifest', { type: 'boolean', default: false, describe: 'print a Kubernetes Job that runs agents, instead of running one' })
    .option('replicas', { type: 'number', default: 1, describe: 'with --k8s-manifest: agent pods' })
    .option('image', { type: 'string', default: 'bfg-toolkit:latest', describe: 'with --k8s-manifest: container image with bfg installed' });
}

/** Runs `bfg agent`. */
export async function agent(a: Awaited<ReturnType<typeof agentFlags>['argv']>): Promise<void> {
  if (!a.join) throw new BfgError('bad_option', '--join redis://host:port is required (the coordinator\'s Redis)');
  if (!/^rediss?:\/\//.test(a.join)) throw new BfgError('bad_option', `--join ${a.join}: expected redis://host:port`);
  if (a['k8s-manifest']) {
    if (!Number.isInteger(a.replicas) || a.replicas < 1) throw new BfgError('bad_option', `--replicas ${a.replicas}: must be a whole number >= 1`);
    return void process.stdout.write(k8sJob({ replicas: a.replicas, join: a.join, image: a.image, name: 'bfg-agents' }));
  }
  for (const k of ['capacity', 'max-duration-s', 'max-rate', 'max-body-bytes'] as const) {
    const v = a[k];
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new BfgError('bad_option', `--${k} ${v}: must be a positive number`);
  }
  await runAgentHost({
    join: a.join, name: a.name, addresses: a.addresses?.split(',').filter(Boolean), capacity: a.capacity, once: a.once, allowRemote: a['allow-remote'], jwtSecret: process.env.BFG_JWT_SECRET,
    maxDurationS: a['max-duration-s'], maxRate: a['max-rate'], maxBodyBytes: a['max-body-bytes'],
  });
}
