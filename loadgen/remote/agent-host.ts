/**
 * `bfg agent --join redis://…`: a long-lived agent on any host. It registers itself with a
 * heartbeat key, waits for plans on its control stream, runs each with the common start time,
 * streams progress and its result to the run's stream, and obeys an abort.
 */
import os from 'node:os';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../common/redis.js';
import { Agent } from '../agent/agent.js';
import type { AgentPlan } from '../agent/plan.js';
import { fdLimit } from '../run/preflight.js';
import { readControl, type HostLimits } from './admit.js';
import { clockOffset } from './clock.js';
import { AGENT_TTL_MS, agentKey, ctlStream, runStream, type AgentInfo } from './keys.js';

export interface HostOptions {
  join: string; name?: string; addresses?: string[]; capacity?: number; once?: boolean; log?: (l: string) => void;
  /** this host's own rule for where a plan may send load (a plan from Redis cannot widen it) */
  allowRemote?: boolean;
  /** the secret this host signs tokens with (never taken from a plan) */
  jwtSecret?: string;
  /** this host's limits on a plan: seconds of traffic, messages per second, body bytes */
  maxDurationS?: number; maxRate?: number; maxBodyBytes?: number;
}

/** The defaults of a host's local limits. */
export const HOST_LIMITS = Object.freeze({ maxDurationS: 3600, maxRate: 20_000, maxBodyBytes: 65_536 });

/** Runs an agent host until the process ends (or after one run with `once`). */
export async function runAgentHost(o: HostOptions): Promise<void> {
  const log = o.log ?? ((l: string) => console.log(l));
  const open = () => connectRedis(o.join, 'coordinator Redis', 'start it, or fix --join', { maxRetriesPerRequest: 3 });
  const redis = await open();
  const blocking = await open();
  const name = o.name ?? `${os.hostname()}-${process.pid}`;
  const clock = await clockOffset(redis);
  const limits: HostLimits = {
    ...HOST_LIMITS, ...Object.fromEntries(Object.entries({ maxDurationS: o.maxDurationS, maxRate: o.maxRate, maxBodyBytes: o.maxBodyBytes }).filter(([, v]) => v !== undefined)),
    capacity: o.capacity ?? Math.max(1, fdLimit() - 256), allowRemote: o.allowRemote, jwtSecret: o.jwtSecret,
  };
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
        const entry = await readControl(fields, limits);
        if (entry.kind === 'abort') continue; // an abort for no run of ours
        if (entry.kind === 'refused') {
          // logged, answered on the run's stream when the entry names a run, and skipped
          log(`bfg agent ${name}: refused a control entry${entry.run ? ` for run ${entry.run}` : ''}: ${entry.reason.slice(0, 500)}`);
          if (entry.run) await redis.xadd(runStream(entry.run), '*', 'agent', name, 'kind', 'error', 'body', JSON.stringify(`refused the plan: ${entry.reason}`)).catch(() => {});
          continue;
        }
        const plan = entry.plan;
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
