/** What to change when a run is untrusted: one piece of advice per kind of reason, in the order found. */
import type { RunResult } from '../result.js';
import { REALTIME, REALTIME_REFUSED } from './placement.js';

/** Advice for an untrusted run's reasons (empty when it is trusted). */
export function untrustedAdvice(r: Pick<RunResult, 'untrusted_reasons' | 'placement' | 'agents'>): string[] {
  const out = new Set<string>();
  const pinned = r.placement && 'gateway' in r.placement;
  const priority = r.placement && 'gateway' in r.placement ? r.placement.agents : undefined;
  for (const why of r.untrusted_reasons) {
    if (/send lag/.test(why)) {
      out.add(!pinned
        ? 'run the generator on CPUs the gateway does not use (with --serve this is done by taskset on 2+ CPUs; against your own gateway, another host or `taskset`)'
        : priority === REALTIME_REFUSED
          ? 'run bfg as root (or with CAP_SYS_NICE): its agents then run SCHED_FIFO, which a shared host cannot preempt for milliseconds at a time'
          : priority && priority !== REALTIME
            ? `let the agents run SCHED_FIFO, which a shared host cannot preempt for milliseconds at a time (now ${priority})`
          : 'the generator is late against a latency this small: send fewer messages per agent (more `agents`, or a lower rate), or load from another host');
    } else if (/event-loop delay/.test(why)) out.add(`spread the users over more agents (scenario \`agents\`, now ${r.agents.length}) or more hosts (bfg agent)`);
    else if (/CPU .*> 90%/.test(why)) out.add(`add agents or hosts: an agent past 90% of a core is the limit, not the gateway (now ${r.agents.length} agent(s))`);
    else if (/missing from the result/.test(why)) out.add('find why the agent died (its log above) and run again');
    else out.add('see the reason above');
  }
  return [...out];
}
