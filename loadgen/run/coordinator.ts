/**
 * `bfg load` as a library: checks, optionally starts a gateway, splits users over local agent
 * processes in whole rooms, starts them together, merges their results exactly, checks thresholds.
 */
import { isMix } from '../agent/mix.js';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { BfgError } from '../../protocol/index.js';
import { AGENT_NODE_FLAGS, type AgentPlan } from '../agent/plan.js';
import type { AgentResult } from '../agent/result.js';
import { RESULT_SCHEMA, type RunResult } from '../result.js';
import type { Scenario } from '../scenario/scenario.js';
import { isPluginPath, loadPlugin } from '../protocols/plugin.js';
import { runFailures } from './failures.js';
import { mergeAgents, timeToRecoverMs } from './merge.js';
import { lagProblem } from '../agent/trust.js';
import { checkTarget, defaultAddresses, fdLimit, plan } from './preflight.js';
import { Progress } from './progress.js';
import { LoadExporter } from './exporter.js';
import { frontSpread } from './front.js';
import { startGateway, type Served } from './serve.js';
import { agentPriority, placeApart, raiseToRealtime, REALTIME_NODE_FLAGS, REALTIME_REFUSED, type Placement } from './placement.js';
import { evaluate } from './thresholds.js';
import { httpPhase, type HttpPhaseResult } from './http-phase.js';
import { historyPhase, type HistoryPhaseResult } from './history-phase.js';
import { launchRemote, referenceNow, waitForAgents } from '../remote/launch.js';

export interface LoadOptions {
  scenario: Readonly<Scenario>;
  target?: string;
  serve?: boolean;
  allowRemote?: boolean;
  jwtSecret?: string;
  /** Redis for a --serve fleet (serve.nodes > 1) */
  redis?: string;
  /** distributed run: agents joined through this Redis (bfg agent --join), and how many to wait for */
  coordinator?: string;
  agents?: number;
  agentTimeoutMs?: number;
  /** progress lines on stdout */
  progress?: boolean;
  /** serve live Prometheus metrics on this port (0: any free one) while the run lasts */
  metricsPort?: number;
  metricsHost?: string;
  log?: (line: string) => void;
  /** told the run's start (epoch ms on this host: the timeline's t = 0) once it is fixed, before any agent starts */
  onStart?: (t0: number) => void;
}

const AGENT = fileURLToPath(new URL('../agent/main.js', import.meta.url));

/** Runs a scenario and returns its result. */
export async function runLoad(o: LoadOptions): Promise<RunResult> {
  const s = o.scenario;
  const log = o.log ?? ((l: string) => console.log(l));
  // a plugin that cannot be used is refused before anything starts (its agents load it again)
  if (isPluginPath(s.protocol)) await loadPlugin(s.protocol);
  let t0 = Date.now() + 1000;
  let served: Served | undefined;
  let stopExporter: () => Promise<void> | undefined = () => undefined;
  // the generator moves off the gateway's CPU before it forks its agents, which inherit its CPUs
  const placement: Placement | undefined = o.serve ? placeApart() : undefined;
  if (o.serve) served = await startGateway(s.serve.args, () => t0, s.serve.nodes, o.redis, placement, s.serve.front);
  try {
    // a fleet you run: --target ws://a:1,ws://b:2 spreads the users over its nodes
    const given = (o.target ?? s.target)?.split(',').map((x) => x.trim()).filter(Boolean) ?? [];
    const target = served?.urls[0] ?? given[0];
    if (!target) throw new BfgError('bad_option', 'no target: give --target ws://host:port, --serve, or target: in the scenario');
    const url = await checkTarget(target, !!o.allowRemote);
    if (s.storm.drop_pct > 0 && s.storm.method === 'server-close' && !served) {
      throw new BfgError('bad_scenario', 'storm.method server-close needs --serve (the run must start the gateway to close its sockets)');
    }
    if (s.storm.drop_pct > 0 && s.storm.method === 'server-close' && served?.front) {
      throw new BfgError('bad_scenario', 'storm.method server-close with serve.front haproxy: the front hides which node holds a user; use kill-node or client-drop behind a front');
    }
    const nodeStorm = s.storm.drop_pct > 0 && (s.storm.method === 'kill-node' || s.storm.method === 'drain-node');
    if (nodeStorm && (!served || served.procs.length < 2)) {
      throw new BfgError('bad_scenario', `storm.method ${s.storm.method} needs --serve with serve.nodes >= 2 and --redis (the run stops one node of its own fleet)`);
    }
    const targets = served ? await Promise.all(served.urls.map(async (u) => (await checkTarget(u, false)).toString()))
      : await Promise.all(given.map(async (u) => (await checkTarget(u, !!o.allowRemote)).toString()));
    const addresses = s.addresses ?? defaultAddresses(url);
    const run = randomBytes(3).toString('hex');
    const progress = new Progress();
    const exporter = o.metricsPort !== undefined ? new LoadExporter(() => progress.points(), { scenario: s.name, run }) : undefined;
    if (exporter) log(`bfg load: live metrics at ${await exporter.listen(o.metricsPort!, o.metricsHost)} while the run lasts (measured)`);
    stopExporter = () => exporter?.close();
    const base = { scenario: s as Scenario, target: url.toString(), targets, run, jwtSecret: o.jwtSecret, admin: served?.admin };
    let plans: AgentPlan[];
    let launch: () => Promise<(AgentResult | string)[]>;
    let remote: Awaited<ReturnType<typeof waitForAgents>> | undefined;
    let priority: string | undefined;
    if (o.coordinator) {
      remote = await waitForAgents(o.coordinator, o.agents ?? 1, o.agentTimeoutMs ?? 30_000);
      const { agents, redis } = remote;
      const t0ref = (await referenceNow(redis)) + 1500;
      t0 = Date.now() + 1500;
      plans = split(s, agents.length, agents.map((a) => a.capacity)).map(([first, end], agent): AgentPlan => ({
        // the secret never goes into the coordination store: each agent signs with the one it holds
        ...base, jwtSecret: undefined, auth: o.jwtSecret ? 'jwt' : undefined, agent, first, end, t0: t0ref - agents[agent].offsetMs,
        addresses: s.addresses ?? (agents[agent].addresses.length ? agents[agent].addresses : addresses),
      }));
      const abortOn = s.thresholds.filter((t) => t.abort);
      launch = () => launchRemote(redis, agents, plans, (i, p) => progress.update(i, p), () => abortOn.length > 0 && evaluate(abortOn, progress.metrics()).some((x) => !x.ok));
    } else {
      const cap = plan(s.users, s.agents, addresses.length);
      for (const w of cap.warnings) log(`bfg load: warning: ${w}`);
      t0 = Date.now() + 500 + 50 * cap.agents;
      plans = split(s, cap.agents).map(([first, end], agent): AgentPlan => ({ ...base, agent, first, end, t0, addresses }));
      const rt = agentPriority(placement, plans.length);
      priority = rt.label;
      const raise = rt.raise ? (pid: number) => { if (!raiseToRealtime(pid)) priority = REALTIME_REFUSED; } : undefined;
      launch = () => Promise.all(plans.map((p) => runAgent(p, progress, raise)));
    }
    o.onStart?.(t0);
    const killer = nodeStorm && served
      ? setTimeout(() => served!.kill(0, s.storm.method === 'drain-node' ? 'SIGTERM' : 'SIGKILL'), Math.max(0, t0 + s.storm.at_s * 1000 - Date.now())) : undefined;
    const timer = o.progress === false ? undefined : setInterval(() => progress.print(), 1000);
    const started = new Date().toISOString();
    const wall0 = Date.now();
    const http = s.http ? new Promise<HttpPhaseResult>((resolve, reject) => setTimeout(() => httpPhase(s, url.toString(), run).then(resolve, reject), Math.max(0, t0 + s.http!.at_s * 1000 - Date.now()))) : undefined;
    const history = s.history ? new Promise<HistoryPhaseResult>((resolve, reject) => setTimeout(() => historyPhase(s, url.toString(), run).then(resolve, reject), Math.max(0, t0 + s.history!.at_s * 1000 - Date.now()))) : undefined;
    const outcomes = await launch().finally(() => remote?.redis.disconnect());
    const httpResult = http ? await http : undefined;
    const historyResult = history ? await history : undefined;
    if (timer) clearInterval(timer);
    clearTimeout(killer);
    if (o.progress !== false) progress.end();
    const results = outcomes.filter((x): x is AgentResult => typeof x !== 'string');
    const dead = outcomes.map((x, i) => (typeof x === 'string' ? `agent ${i}: ${x}` : '')).filter(Boolean);
    const r = { ...assemble(s, url.toString(), started, (Date.now() - wall0) / 1000, results, dead, served, httpResult, historyResult), ...(placement ? { placement: priority ? { ...placement, agents: priority } : placement } : {}) };
    r.dead_agents = outcomes.flatMap((x, i) => (typeof x === 'string' ? [{ agent: i, reason: x, last_progress: progress.lastOf(i) }] : []));
    if (remote) {
      r.agents = r.agents.map((a) => ({ ...a, name: remote!.agents[a.agent].name, clock_offset_ms: remote!.agents[a.agent].offsetMs, clock_bound_ms: remote!.agents[a.agent].boundMs }));
    }
    return r;
  } finally {
    await stopExporter();
    await served?.stop();
  }
}

/** Splits users into agent ranges at room boundaries, in proportion to each agent's capacity. */
export function split(s: Readonly<Scenario>, agents: number, capacity?: readonly number[]): [number, number][] {
  // a mix builds its rooms inside each agent's users (agent/mix.ts): any boundary will do
  const unit = isMix(s) ? 1 : s.rooms.size;
  const rooms = Math.ceil(s.users / unit);
  const n = Math.min(agents, rooms);
  const w = Array.from({ length: n }, (_, i) => capacity?.[i] ?? 1);
  const total = w.reduce((a, b) => a + b, 0);
  const out: [number, number][] = [];
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const first = Math.floor((rooms * acc) / total) * unit;
    acc += w[i];
    const end = Math.min(s.users, Math.floor((rooms * acc) / total) * unit);
    out.push([first, end]);
  }
  return out;
}

function runAgent(plan: AgentPlan, progress: Progress, onFork?: (pid: number) => void): Promise<AgentResult | string> {
  return new Promise((resolve) => {
    const child = fork(AGENT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, ...AGENT_NODE_FLAGS, ...(onFork ? REALTIME_NODE_FLAGS : [])] });
    // before the plan goes: the agent's main thread sends at the raised priority from its first send
    if (child.pid !== undefined) onFork?.(child.pid);
    let result: AgentResult | string | undefined;
    child.on('message', (m: { progress?: AgentResult['timeline'][0]; result?: AgentResult; error?: string }) => {
      if (m.progress) progress.update(plan.agent, m.progress);
      if (m.result) result = m.result;
      if (m.error) result = m.error;
    });
    // 'close', not 'exit': a large result can still be on the IPC pipe when the process has exited
    child.on('close', (code, sig) => resolve(result ?? `died (exit ${code ?? sig}) before reporting`));
    child.send(plan);
  });
}

function machine() {
  return {
    cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model.trim() ?? 'unknown', mem_gib: Math.round(os.totalmem() / 2 ** 30),
    node: process.version, fd_limit: fdLimit(), platform: `${os.platform()} ${os.release()}`,
  };
}

function assemble(s: Readonly<Scenario>, target: string, started: string, wall: number, results: AgentResult[], dead: string[], served?: Served, http?: HttpPhaseResult, history?: HistoryPhaseResult): RunResult {
  const m = mergeAgents(results);
  const L = m.ledger, st = m.stats;
  const ttr = s.storm.drop_pct > 0 ? timeToRecoverMs(m.timeline, s.storm.at_s) : null;
  // a latency with no samples is not 0 ms: it is unmeasured (NaN), and a threshold on it is not met
  const measured = (p: { count: number }, v: number) => (p.count > 0 ? v : NaN);
  const metrics: Record<string, number> = {
    ...Object.fromEntries(Object.entries(m.latency.every).filter(([k]) => k !== 'count').map(([k, v]) => [k, measured(m.latency.every, v)])),
    first_p99_ms: measured(m.latency.first, m.latency.first.p99_ms), last_p99_ms: measured(m.latency.last, m.latency.last.p99_ms),
    intended_p99_ms: measured(m.latency.intended, m.latency.intended.p99_ms), send_lag_p99_ms: measured(m.generator.send_lag, m.generator.send_lag.p99_ms),
    expected: L.expected, delivered: L.delivered, lost: L.lost, duplicated: L.duplicated, reordered: L.reordered, backfilled: L.backfilled,
    delivered_pct: L.expected ? (100 * (L.delivered + L.backfilled)) / L.expected : 100,
    sent: st.sent, acked: st.acked, send_errors: st.send_errors, connects: st.connects, connect_errors: st.connect_errors,
    connect_errors_pct: (100 * st.connect_errors) / Math.max(1, st.connects + st.connect_errors),
    reconnects: st.reconnects, slow_closed: st.slow_closed, peak_connections: st.peak_connections,
    recovered_sessions: st.recovered_sessions ?? 0, unrecovered_sessions: st.unrecovered_sessions ?? 0,
    time_to_recover_ms: s.storm.drop_pct > 0 ? (ttr ?? NaN) : 0,
    time_to_recover_s: s.storm.drop_pct > 0 ? (ttr === null ? NaN : ttr / 1000) : 0,
    handshake_p99_ms: measured(m.handshake, m.handshake.p99_ms), handshake_failed: st.handshake_failed ?? 0,
    typing_p99_ms: measured(m.ephemeral.typing, m.ephemeral.typing.p99_ms), read_p99_ms: measured(m.ephemeral.read, m.ephemeral.read.p99_ms),
    shed_notices: st.errors.shed ?? 0,
    http_p99_ms: http?.latency_ms.p99 ?? NaN, http_non2xx: http?.non2xx ?? NaN, http_errors: http ? http.errors + http.timeouts : NaN,
    history_p99_ms: history?.latency_ms.all.p99_ms ?? NaN, history_hot_p99_ms: history?.latency_ms.hot?.p99_ms ?? NaN,
    history_cold_p99_ms: history?.latency_ms.cold?.p99_ms ?? NaN,
    history_gaps: history ? history.gaps + history.repeats : NaN, history_errors: history ? Object.values(history.errors).reduce((a, b) => a + b, 0) : NaN,
  };
  const thresholds = evaluate(s.thresholds, metrics);
  const failures = runFailures(s, st, L);
  const reasons = results.flatMap((r) => r.trust.why);
  const lag = lagProblem(m.generator.send_lag, m.latency.every);
  if (lag) reasons.push(lag);
  if (dead.length) reasons.push(...dead.map((d) => `${d}; its users' numbers are missing from the result`));
  let server: RunResult['server'];
  if (served) {
    // per node: RSS gained from its first sample to its peak; summed over the fleet, per peak connection
    const byPid = new Map<number, number[]>();
    for (const x of served.samples) (byPid.get(x.pid) ?? byPid.set(x.pid, []).get(x.pid)!).push(x.rss_bytes);
    const gained = [...byPid.values()].reduce((a, v) => a + Math.max(0, Math.max(...v) - v[0]), 0);
    const conn = st.peak_connections;
    server = {
      samples: served.samples, peak_rss_bytes: Math.max(0, ...served.samples.map((x) => x.rss_bytes)),
      rss_per_connection_bytes: byPid.size && conn > 0 ? gained / conn : undefined,
      note: `measured with pidusage on the ${byPid.size} gateway process(es) this run started; per-connection figure = Σ per node (peak RSS − first sample) / peak connections`,
    };
    const spread = served.front && frontSpread(served.front.samples);
    if (spread) server.front = { kind: 'haproxy', balance: 'leastconn', samples: served.front!.samples, ...spread };
  }
  return {
    schema: RESULT_SCHEMA, scenario: s as Scenario, started_at: started, wall_s: wall, target, machine: machine(),
    agents: results.map((r) => ({ agent: r.agent, users: r.users, trust: r.trust, rss_bytes: r.rss_bytes, stats: r.stats, counts: r.counts })),
    ledger: L, latency: m.latency, generator: m.generator, stats: st, metrics, thresholds,
    handshake: m.handshake.count > 0 || st.handshake_failed ? { ...m.handshake, failed: st.handshake_failed ?? 0 } : undefined,
    passed: thresholds.every((t) => t.ok) && dead.length === 0 && failures.length === 0, failures,
    trusted: reasons.length === 0, untrusted_reasons: reasons, timeline: m.timeline, server, http, ...(history ? { history } : {}),
    ...(st.ephemeral_sent || st.ephemeral_received ? {
      ephemeral: {
        ...m.ephemeral, sent: st.ephemeral_sent ?? { typing: 0, read: 0 }, received: st.ephemeral_received ?? { typing: 0, read: 0 }, shed_notices: st.errors.shed ?? 0,
      },
    } : {}),
    storm: s.storm.drop_pct > 0 ? { at_s: s.storm.at_s, drop_pct: s.storm.drop_pct, method: s.storm.method, policy: s.reconnect.policy, time_to_recover_ms: ttr, time_to_recover_s: ttr === null ? null : ttr / 1000 } : undefined,
  };
}
