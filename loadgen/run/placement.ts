/**
 * Where a `--serve` run's processes run: the gateway on CPU 0 and the generator (this process and the
 * agents it forks, which inherit its CPUs) on the rest, with `taskset`, so that the generator's own
 * timing is not the gateway's CPU contention. On one CPU, or without taskset, nothing is pinned and
 * the result says so. Pinned agents also run SCHED_FIFO (chrt) where the OS allows it: a shared or
 * virtual host preempts a normal process for milliseconds at a time, which is send lag the gateway
 * did not cause. The gateway and the coordinator stay at normal priority: the gateway is measured as
 * it would run, and the agents, which wait on timers and sockets, leave the coordinator its share.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';

/** The CPUs each side ran on (taskset lists), or why they were not pinned. */
export type Placement = { gateway: string; generator: string; agents?: string } | { unpinned: string };

/** The agents' scheduling label when raised, and why not otherwise. */
export const REALTIME = 'SCHED_FIFO priority 1 (chrt)';
export const REALTIME_REFUSED = 'normal priority: chrt was refused (it needs root or CAP_SYS_NICE) or is missing';

/** `taskset -a -p -c CPUS PID`: every thread of the process; false when it could not */
export function pinProcess(pid: number, cpus: string): boolean {
  const r = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * Node flags of an agent raised to SCHED_FIFO. Its GC in its main thread: V8's GC helper threads stay
 * at normal priority (see raiseToRealtime), and a real-time main thread waiting on them at a join
 * starves them on its own CPU: sends then went tens of milliseconds late. On the generator's CPUs
 * the helpers bought no parallelism anyway. Every function compiled at load (`--no-lazy`): compiled
 * lazily, the send path compiled during the run's first send, and that send went several times later
 * than the rest. Neither flag is allowed in NODE_OPTIONS: forked agents only.
 */
export const REALTIME_NODE_FLAGS = ['--single-threaded-gc', '--no-lazy'];

/**
 * `chrt --reset-on-fork -f -p 1 PID`: the process's main thread at real-time priority 1, and no thread
 * it starts after inherits it; false when refused or missing. Only the main thread: V8's helpers at the
 * same priority on the same CPU ran a concurrent marking through the main thread's wake-ups.
 */
export function raiseToRealtime(pid: number): boolean {
  const r = spawnSync('chrt', ['--reset-on-fork', '-f', '-p', '1', String(pid)], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * Whether a pinned run's agents go real time, and the summary's label when they do not. One agent per
 * generator CPU at most: agents at one real-time priority do not share a CPU (a spinning one would
 * starve the other), which normal scheduling does.
 */
export function agentPriority(p: Placement | undefined, agents: number, env: NodeJS.ProcessEnv = process.env): { raise: boolean; label?: string } {
  if (!p || !('gateway' in p)) return { raise: false };
  if (env.BFG_NO_RT) return { raise: false, label: 'normal priority (BFG_NO_RT is set)' };
  const cpus = cpuCount(p.generator);
  if (agents > cpus) return { raise: false, label: `normal priority: ${agents} agents on ${cpus} CPU(s) (real time takes one agent per CPU)` };
  return { raise: true, label: REALTIME };
}

/** How many CPUs a taskset list names: '1' → 1, '1-15' → 15, '1,3-4' → 3. */
export function cpuCount(list: string): number {
  return list.split(',').reduce((n, r) => {
    const [a, b] = r.split('-').map(Number);
    return n + (b === undefined ? 1 : b - a + 1);
  }, 0);
}

/** The split for a machine with `cpus` CPUs: the gateway gets CPU 0, the generator the others. */
export function splitCpus(cpus: number): { gateway: string; generator: string } | undefined {
  if (cpus < 2) return undefined;
  return { gateway: '0', generator: cpus > 2 ? `1-${cpus - 1}` : '1' };
}

/** Pins this process to the generator's CPUs; returns the placement the gateway must be started under (all the machine's CPUs count, not the ones this process is already pinned to). */
export function placeApart(cpus = os.cpus().length): Placement {
  const split = splitCpus(cpus);
  if (!split) return { unpinned: 'one CPU: the gateway and the generator share it' };
  if (process.env.BFG_NO_PIN) return { unpinned: 'BFG_NO_PIN is set' };
  if (!pinProcess(process.pid, split.generator)) return { unpinned: 'taskset is not available (util-linux): the gateway and the generator share the CPUs' };
  return split;
}

/** The command that starts a gateway under the placement: `taskset -c CPUS node …` (exec: same pid). */
export function pinnedCommand(p: Placement, argv: readonly string[]): [string, string[]] {
  return 'gateway' in p ? ['taskset', ['-c', p.gateway, ...argv]] : [argv[0], argv.slice(1)];
}

/** One line for the summary: where each side ran. */
export function placementLine(p: Placement | undefined): string | undefined {
  if (!p) return undefined;
  return 'gateway' in p ? `  placement: gateway on CPU ${p.gateway}, generator (coordinator and agents) on CPU ${p.generator} (taskset); agents at ${p.agents ?? 'normal priority'}`
    : `  placement: not pinned (${p.unpinned})`;
}
