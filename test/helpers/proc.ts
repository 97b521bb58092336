/** Server processes for benches: start one and wait for its URL; read its CPU and RSS from /proc. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds a process has run (user + system), from the scheduler's nanosecond count of each of its
 * threads (/proc/PID/task/TID/schedstat). /proc/PID/stat gives the same time in 10 ms ticks: over a 5 s
 * window where a server uses 0.5 s, a tick at either end is ±2% of the figure, which is as large as
 * the differences the benches look for. Falls back to the ticks where schedstat is missing. Threads
 * that exit between two readings take their time with them: Node's threads live as long as the process.
 */
export function cpuSeconds(pid: number): number {
  try {
    let ns = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    if (Number.isFinite(ns) && ns > 0) return ns / 1e9;
  } catch { /* no schedstat (or a thread ended while read): the ticks below */ }
  return tickSeconds(pid);
}

/** a process's user and system CPU time in /proc/<pid>/stat's clock ticks of 10 ms (exited threads included) */
export function procTicks(pid: number): { user: number; sys: number } {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(f[11]), sys: Number(f[12]) };
}

/** user + system CPU seconds of a process, from its ticks */
export function tickSeconds(pid: number): number {
  const t = procTicks(pid);
  return (t.user + t.sys) / 100;
}

/** read and write syscalls a process has made (/proc/<pid>/io `syscr`, `syscw`: read, write, writev… — exact counts, unlike CPU ticks) */
export function ioCalls(pid: number): { reads: number; writes: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  return { reads: Number(/syscr:\s+(\d+)/.exec(io)?.[1] ?? NaN), writes: Number(/syscw:\s+(\d+)/.exec(io)?.[1] ?? NaN) };
}

/** resident set size of a process, bytes */
export function rssBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}

/**
 * Pins a process and all its threads to `cpus` (taskset's list, "0" or "1-15"), so a measured server
 * and the generator that drives it do not take turns on one core; false where taskset is missing or
 * refused (the run then says it is not pinned).
 */
export function pin(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-acp', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** starts `node ARGS` and resolves when it prints "listening on ws://host:port" */
export function listening(args: string[]): Promise<{ proc: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const on = (d: Buffer) => {
      out += d;
      const m = /listening on (ws:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve({ proc, url: m[1] });
    };
    proc.stdout!.on('data', on);
    proc.stderr!.on('data', on);
    proc.on('exit', (c) => reject(new Error(`${args.join(' ')} exited ${c}: ${out}`)));
  });
}
