/**
 * `bfg agent --join redis://…`: a long-lived agent on any host. It registers itself with a
 * heartbeat key, waits for plans on its control stream, runs each with the common start time,
 * streams progress and its result to the run's stream, and obeys an abort.
 */
import os from 'node:os';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../common/redis.js';
import { BfgError } from '../../protocol/index.js';
import { Agent } from '../agent/agent.js';
import type { AgentPlan } from '../agent/plan.js';
import { checkTarget, fdLimit } from '../run/preflight.js';
import { clockOffset } from './clock.js';
import { AGENT_TTL_MS, agentKey, ctlStream, runStream, type AgentInfo } from './keys.js';

export interface HostOptions {
  join: string; name?: string; addresses?: string[]; capacity?: number; once?: boolean; log?: (l: string) => void;
  /** this host's own rule for where a plan may send load (a plan from Redis cannot widen it) */
  allowRemote?: boolean;
  /** the secret this host signs tokens with (never taken from a plan) */
  jwtSecret?: string;
}

/** Runs an agent host until the process ends (or after one run with `once`). */
export async function runAgentHost(o: HostOptions): Promise<void> {
  const log = o.log ?? ((l: string) => console.log(l));
  const open = () => connectRedis(o.join, 'coordinator Redis', 'start it, or fix --join', { maxRetriesPerRequest: 3 });
  const redis = await open();
  const blocking = await open();
  const name = o.name ?? `${os.hostname()}-${process.pid}`;
  const clock = await clockOffset(redis);
  const info: AgentInfo = { name, capacity: o.capacity ?? Math.max(1, fdLimit() - 256), addresses: o.addresses ?? [], offsetMs: clock.offsetMs, boundMs: clock.boundMs, busy: false };
  const beat = () => redis.set(agentKey(name), JSON.stringify(info), 'PX', AGENT_TTL_MS).catch(() => {});
  await beat();
  const timer = setInterval(beat, 1000);
  log(`bfg agent ${name}: joined ${o.join} (capacity ${info.capacity} sockets, clock offset ${clock.offsetMs.toFixed(2)} ms ± ${clock.boundMs.toFixed(2)} ms, measured)`);
  let last = (await redis.xrevrange(ctlStream(name), '+', '-', 'COUNT', 1))[0]?.[0] ?? '0';
  try {
    for (;;) {
      const res = (await blocking.xread('BLOCK', 0, 'STREAMS', ctlStream(name), last)) as [string, [string, string[]][]][] | null;
      for (const [id, fields] of res?.[0]?.[1] ?? []) {
        last = id;
        if (fields[0] !== 'plan') continue;
        let plan: AgentPlan;
        try {
          plan = await admitPlan(JSON.parse(fields[1]) as AgentPlan, o);
        } catch (err) {
          const run = String((JSON.parse(fields[1]) as { run?: unknown }).run ?? 'unknown').slice(0, 40);
          log(`bfg agent ${name}: refused a plan for run ${run}: ${(err as Error).message}`);
          await redis.xadd(runStream(run), '*', 'agent', name, 'kind', 'error', 'body', JSON.stringify(`refused the plan: ${(err as Error).message}`));
          if (o.once) return;
          continue;
        }
        info.busy = true;
        await beat();
        log(`bfg agent ${name}: run ${plan.run}: users ${plan.first}..${plan.end - 1}`);
        await runPlan(redis, await open(), name, plan, last);
        info.busy = false;
        await beat();
        if (o.once) return;
      }
    }
  } finally {
    clearInterval(timer);
    redis.disconnect();
    blocking.disconnect();
  }
}

/**
 * A plan comes from a shared Redis that anyone with access can write to: it may aim only where this
 * host's own rule allows (loopback and private addresses unless started with --allow-remote), and it
 * signs tokens only with the secret this host holds.
 */
export async function admitPlan(plan: AgentPlan, o: Pick<HostOptions, 'allowRemote' | 'jwtSecret'>): Promise<AgentPlan> {
  const allow = !!o.allowRemote;
  for (const t of new Set([plan.target, ...(plan.targets ?? [])])) await checkTarget(String(t), allow);
  if (plan.admin !== undefined) await checkTarget(String(plan.admin), allow, ['http:', 'https:']);
  if (plan.auth === 'jwt' && !o.jwtSecret) {
    throw new BfgError('bad_option', 'the gateway needs tokens and this agent holds no secret: start it with BFG_JWT_SECRET set');
  }
  return { ...plan, jwtSecret: plan.auth === 'jwt' ? o.jwtSecret : undefined };
}

async function runPlan(redis: Redis, watch: Redis, name: string, plan: AgentPlan, after: string): Promise<void> {
  const out = runStream(plan.run);
  const agent = new Agent(plan, (p) => void redis.xadd(out, '*', 'agent', name, 'kind', 'progress', 'body', JSON.stringify(p)).catch(() => {}));
  let watching = true;
  // an abort for this run arrives on the control stream while it runs
  void (async () => {
    let last = after;
    while (watching) {
      const res = (await watch.xread('BLOCK', 500, 'STREAMS', ctlStream(name), last).catch(() => null)) as [string, [string, string[]][]][] | null;
      for (const [id, f] of res?.[0]?.[1] ?? []) {
        last = id;
        if (f[0] === 'abort' && f[1] === plan.run) agent.abort();
      }
    }
  })();
  try {
    const result = await agent.run();
    await redis.xadd(out, '*', 'agent', name, 'kind', 'result', 'body', JSON.stringify(result));
  } catch (err) {
    await redis.xadd(out, '*', 'agent', name, 'kind', 'error', 'body', JSON.stringify(String(err)));
  } finally {
    watching = false;
    watch.disconnect();
  }
}
