/**
 * Where a `--serve` run's processes run: the gateway on CPU 0 and the generator (this process and the
 * agents it forks, which inherit its CPUs) on the rest, with `taskset`, so that the generator's own
 * timing is not the gateway's CPU contention. On one CPU, or without taskset, nothing is pinned and
 * the result says so.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';

/** The CPUs each side ran on (taskset lists), or why they were not pinned. */
export type Placement = { gateway: string; generator: string } | { unpinned: string };

/** `taskset -a -p -c CPUS PID`: every thread of the process; false when it could not */
export function pinProcess(pid: number, cpus: string): boolean {
  const r = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
  return r.status === 0;
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
  return 'gateway' in p ? `  placement: gateway on CPU ${p.gateway}, generator (coordinator and agents) on CPU ${p.generator} (taskset)`
    : `  placement: not pinned (${p.unpinned})`;
}
