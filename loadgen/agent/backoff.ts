/** Reconnect delays per policy (AWS "Exponential Backoff and Jitter"). */
import type { Policy } from '../scenario/scenario.js';

/** The delay before reconnect attempt `attempt` (0-based); `prev` is the last delay (decorrelated). */
export function backoffMs(policy: Policy, attempt: number, baseMs: number, capMs: number, prev: number, rand = Math.random): number {
  const exp = Math.min(capMs, baseMs * 2 ** attempt);
  switch (policy) {
    case 'none': return Infinity;
    case 'exponential': return exp;
    case 'full-jitter': return rand() * exp;
    case 'decorrelated-jitter': return Math.min(capMs, baseMs + rand() * (Math.max(prev, baseMs) * 3 - baseMs));
  }
}
