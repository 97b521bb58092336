/** What to change when a run is untrusted: one piece of advice per kind of reason, in the order found. */
import type { RunResult } from '../result.js';
import { REALTIME, REALTIME_REFUSED } from './placement.js';

/** Advice for an untrusted run's reasons (empty when it is trusted). */
export function untrustedAdvice(r: Pick<RunResult, 'untrusted_reasons' | 'placement' | 'agents'>): string[] {
  const out = new Set<string>();
  for (const why of r.untrusted_reasons) {
    if (/send lag/.test(why)) out.add(lagAdvice(r.placement));
    else if (/event-loop delay/.test(why)) out.add(`spread the users over more agents (scenario \`agents\`, now ${r.agents.length}) or more hosts (bfg agent)`);
    else if (/CPU .*> 90%/.test(why)) out.add(`add agents or hosts: an agent past 90% of a core is the limit, not the gateway (now ${r.agents.length} agent(s))`);
    else if (/missing from the result/.test(why)) out.add('find why the agent died (its log above) and run again');
    else out.add('see the reason above');
  }
  return [...out];
}

/** For a late generator: apart from the gateway first, then real-time agents, then less per agent. */
function lagAdvice(p: RunResult['placement']): string {
  if (!p || !('gateway' in p)) return 'run the generator on CPUs the gateway does not use (with --serve this is done by taskset on 2+ CPUs; against your own gateway, another host or `taskset`)';
  if (p.agents === REALTIME_REFUSED) return 'run bfg as root (or with CAP_SYS_NICE): its agents then run SCHED_FIFO, which a shared host cannot preempt for milliseconds at a time';
  if (p.agents && p.agents !== REALTIME) return `let the agents run SCHED_FIFO, which a shared host cannot preempt for milliseconds at a time (now ${p.agents})`;
  return 'the generator is late against a latency this small: send fewer messages per agent (more `agents`, or a lower rate), or load from another host';
}
