import { fdLimit } from '../common/fd.js';

/**
 * Connections this process can hold: its open-files limit less a margin for HTTP, Redis and logs,
 * so a full gateway refuses with 1013 instead of failing accept() and going deaf to /health.
 */
export function connectionCapacity(margin = 512): number {
  return Math.max(1, fdLimit(1_000_000 + margin) - margin);
}

/** A token bucket: `rate` tokens per second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();
  constructor(private readonly rate: number, private readonly burst: number) {
    this.tokens = burst;
  }
  /** takes one token; false when none is left */
  take(now = performance.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** True for an address or name that only this machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === '[::1]' || host === 'localhost';
}
