/**
 * Reconnect backoff policies (AWS Architecture Blog, "Exponential Backoff and Jitter"), one meaning per
 * name for the load generator and the storm simulator alike:
 *   none                 no backoff: retry at once (the thundering herd)
 *   never                do not reconnect
 *   exponential          min(cap, base × 2^attempt)
 *   full-jitter          uniform in [0, exponential)
 *   equal-jitter         exponential/2 + uniform in [0, exponential/2)
 *   decorrelated-jitter  uniform in [base, min(cap, 3 × previous delay)]
 */
export const POLICIES = ['none', 'never', 'exponential', 'full-jitter', 'equal-jitter', 'decorrelated-jitter'] as const;
export type Policy = (typeof POLICIES)[number];

/** The exponential bound min(cap, base × 2^attempt), ms. */
export const expBoundMs = (attempt: number, baseMs: number, capMs: number): number => Math.min(capMs, baseMs * 2 ** Math.min(attempt, 40));

/** The delay before reconnect attempt `attempt` (0-based); `prevMs` is the last delay (decorrelated). Infinity: never. */
export function backoffMs(policy: Policy, attempt: number, baseMs: number, capMs: number, prevMs: number, rand: () => number = Math.random): number {
  const e = expBoundMs(attempt, baseMs, capMs);
  switch (policy) {
    case 'none': return 0;
    case 'never': return Infinity;
    case 'exponential': return e;
    case 'full-jitter': return rand() * e;
    case 'equal-jitter': return e / 2 + (rand() * e) / 2;
    case 'decorrelated-jitter': {
      const hi = Math.max(baseMs, Math.min(capMs, 3 * prevMs));
      return baseMs + rand() * (hi - baseMs);
    }
  }
}
