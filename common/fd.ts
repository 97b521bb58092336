import { readFileSync } from 'node:fs';

/** The soft limit on open files of this process (what `ulimit -n` says); `fallback` where /proc has none. */
export function fdLimit(fallback = 1024): number {
  try {
    const m = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) return Number(m[1]);
  } catch { /* not Linux */ }
  return fallback;
}
