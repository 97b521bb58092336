/** Server processes for benches: start one and wait for its URL; read its CPU and RSS from /proc. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** user + system CPU seconds of a process (/proc/<pid>/stat counts clock ticks of 10 ms on Linux) */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
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
