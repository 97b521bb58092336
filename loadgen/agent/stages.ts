/**
 * Load shapes: `stages` ramp the connected users (and, where a stage names it, the message rate per
 * room) linearly from one stage's target to the next, as k6 stages and Artillery phases do: a ramp,
 * a hold (same target), a spike (a short steep stage), a ramp-down (sockets closed).
 */

import type { Stage } from '../scenario/config.js';

export { stagesLength, type Stage } from '../scenario/config.js';

/** A stage placed in time (seconds from the run's start), with its start and end targets. */
export interface Segment { from_s: number; to_s: number; users0: number; users1: number; rate0: number; rate1: number }

/** The stages as segments in time; users start at 0, the rate at `rate0` (the scenario's flat rate). */
export function segments(stages: readonly Stage[], rate0: number): Segment[] {
  const out: Segment[] = [];
  let t = 0, u = 0, r = rate0;
  for (const s of stages) {
    const u1 = s.users ?? u, r1 = s.rate_per_room ?? r;
    out.push({ from_s: t, to_s: t + s.duration_s, users0: u, users1: u1, rate0: r, rate1: r1 });
    t += s.duration_s;
    u = u1;
    r = r1;
  }
  return out;
}

/** the segment at `t` seconds (the last one past the end) */
function at(segs: readonly Segment[], t: number): Segment {
  for (const s of segs) if (t < s.to_s) return s;
  return segs[segs.length - 1];
}

const lerp = (s: Segment, a: number, b: number, t: number) => (s.to_s > s.from_s ? a + (b - a) * Math.min(1, Math.max(0, (t - s.from_s) / (s.to_s - s.from_s))) : b);

/** target connected users at `t` seconds */
export function usersAt(segs: readonly Segment[], t: number): number {
  const s = at(segs, t);
  return lerp(s, s.users0, s.users1, t);
}

/** target messages per second per room at `t` seconds */
export function rateAt(segs: readonly Segment[], t: number): number {
  const s = at(segs, t);
  return lerp(s, s.rate0, s.rate1, t);
}

/** users per second the target changes by at `t` (positive: arrivals, negative: departures) */
export function slopeAt(segs: readonly Segment[], t: number): number {
  const s = at(segs, t);
  return t >= s.to_s || s.to_s === s.from_s ? 0 : (s.users1 - s.users0) / (s.to_s - s.from_s);
}
