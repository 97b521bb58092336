/**
 * The coordinator's side of a distributed run: wait for N live agents, hand each its plan with a
 * start time in the reference clock, read their progress and results from the run's stream, notice
 * an agent whose heartbeat stops, and abort everyone when asked.
 */
import type { Redis } from 'ioredis';
import { connectRedis } from '../../common/redis.js';
import { BfgError } from '../../protocol/index.js';
import type { AgentPlan } from '../agent/plan.js';
import type { AgentResult, TimePoint } from '../agent/result.js';
import { AGENT_TTL_MS, agentKey, ctlStream, runStream, type AgentInfo } from './keys.js';

/** Connects to the coordination Redis and waits until `n` idle agents are live. */
export async function waitForAgents(url: string, n: number, timeoutMs: number): Promise<{ redis: Redis; agents: AgentInfo[] }> {
  const redis = await connectRedis(url, 'coordinator Redis', 'start it (scripts/redis.sh start 6390) or fix --coordinator', { maxRetriesPerRequest: 3 });
  const end = Date.now() + timeoutMs;
  let agents: AgentInfo[] = [];
  for (;;) {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, ks] = await redis.scan(cursor, 'MATCH', agentKey('*'), 'COUNT', 1000);
      cursor = next;
      keys.push(...ks);
    } while (cursor !== '0');
    const vals = keys.length ? await redis.mget(...keys) : [];
    agents = vals.filter((v): v is string => !!v).map((v) => JSON.parse(v) as AgentInfo).filter((a) => !a.busy).sort((a, b) => a.name.localeCompare(b.name));
    if (agents.length >= n) return { redis, agents: agents.slice(0, n) };
    if (Date.now() > end) {
      redis.disconnect();
      throw new BfgError('unreachable', `agents: ${agents.length} of ${n} joined ${url} within ${timeoutMs / 1000} s (${agents.map((a) => a.name).join(', ') || 'none'}); ${n - agents.length} missing: start them with bfg agent --join ${url}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Current time of the reference clock (the Redis server), ms. */
export async function referenceNow(redis: Redis): Promise<number> {
  const [s, us] = (await redis.time()) as [string | number, string | number];
  return Number(s) * 1000 + Number(us) / 1000;
}

/**
 * Sends the plans and gathers one outcome per agent: its result, or why there is none (died, error).
 * `onProgress` gets each point; when `shouldAbort()` turns true every agent is told to stop.
 */
export async function launchRemote(redis: Redis, agents: AgentInfo[], plans: AgentPlan[], onProgress: (agent: number, p: TimePoint) => void, shouldAbort: () => boolean): Promise<(AgentResult | string)[]> {
  const index = new Map(agents.map((a, i) => [a.name, i]));
  const out: (AgentResult | string | undefined)[] = agents.map(() => undefined);
  const stream = runStream(plans[0].run);
  for (const [i, a] of agents.entries()) await redis.xadd(ctlStream(a.name), '*', 'plan', JSON.stringify(plans[i]));
  let last = '0-0';
  let aborted = false;
  const reader = redis.duplicate();
  reader.on('error', () => {});
  try {
    while (out.some((x) => x === undefined)) {
      const res = (await reader.xread('BLOCK', 500, 'STREAMS', stream, last)) as [string, [string, string[]][]][] | null;
      for (const [id, f] of res?.[0]?.[1] ?? []) {
        last = id;
        const i = index.get(f[1]);
        if (i === undefined) continue;
        const body = JSON.parse(f[5]);
        if (f[3] === 'progress') onProgress(i, body as TimePoint);
        else if (f[3] === 'result') out[i] = body as AgentResult;
        else out[i] = `agent ${agents[i].name} failed: ${body}`;
      }
      if (!aborted && shouldAbort()) {
        aborted = true;
        for (const a of agents) await redis.xadd(ctlStream(a.name), '*', 'abort', plans[0].run);
      }
      // an agent whose heartbeat key expired without a result is dead
      for (const [i, a] of agents.entries()) {
        if (out[i] === undefined && !(await redis.exists(agentKey(a.name)))) out[i] = `agent ${a.name} died (no heartbeat for ${AGENT_TTL_MS / 1000} s) before reporting`;
      }
    }
  } finally {
    reader.disconnect();
    await redis.del(stream).catch(() => 0);
  }
  return out as (AgentResult | string)[];
}
