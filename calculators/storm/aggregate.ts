/**
 * Aggregate storm engine: clients counted per time step, never one by one. Waiting clients are
 * mass in per-attempt arrival arrays; a rejected cohort's next attempts are spread over future steps
 * by its policy's delay distribution (uniform spreads through difference arrays, so each cohort is
 * O(1)); decorrelated jitter, whose delay depends on the previous one, keeps mass per (origin step,
 * delay) on diagonals. 10,000,000 clients cost the same as 10.
 */
import { capacity, droppedClients, expBoundMs, type StormInput, type StormResult } from './input.js';
import { Recorder } from './summary.js';

const MAX_ATTEMPTS = 64;

export function aggregateStorm(i: StormInput): StormResult {
  const slots = Math.ceil((i.horizonS * 1000) / i.slotMs);
  const dropAt = Math.round((i.atS * 1000) / i.slotMs);
  const { perSlot, cap } = capacity(i);
  const dropped = droppedClients(i);
  const A = i.policy === 'decorrelated-jitter' ? 1 : MAX_ATTEMPTS;
  // arrivals by attempt: direct mass per step, plus difference arrays for uniform middles
  const direct = Array.from({ length: A }, () => new Float64Array(slots + 2));
  const diff = Array.from({ length: A }, () => new Float64Array(slots + 2));
  const run = new Float64Array(A);
  // decorrelated: dens[origin % B][d] = mass leaving `origin` to arrive after d steps (prev delay = d steps)
  const B = Math.ceil(i.capMs / i.slotMs) + 2;
  const decor = i.policy === 'decorrelated-jitter';
  const dens = decor ? Array.from({ length: B }, () => new Float64Array(B)) : [];
  const ddiff = new Float64Array(B + 1);
  const arrivePrev = decor ? new Float64Array(B) : new Float64Array(0);

  /** adds mass c arriving uniformly over [x, y) in step units (x, y measured from step 0) */
  const spread = (a: number, c: number, x: number, y: number) => {
    if (c === 0) return;
    if (y - x < 1e-9) return void (direct[a][Math.min(slots + 1, Math.floor(x))] += c);
    const dens1 = c / (y - x);
    const fx = Math.floor(x), fy = Math.floor(y);
    if (fx === fy) return void (direct[a][Math.min(slots + 1, fx)] += c);
    direct[a][Math.min(slots + 1, fx)] += dens1 * (fx + 1 - x);
    if (fy <= slots + 1) direct[a][fy] += dens1 * (y - fy);
    if (fx + 1 < fy) {
      diff[a][Math.min(slots + 1, fx + 1)] += dens1;
      diff[a][Math.min(slots + 1, fy)] -= dens1;
    }
  };

  /** schedules cohort c leaving step s for attempt a (delay from the step's start) */
  const schedule = (a: number, c: number, s: number, first: boolean) => {
    const dt = i.slotMs;
    const min = first ? s : s + 1;
    const at = (ms: number) => Math.max(min, s + ms / dt);
    const e = expBoundMs(a, i.baseMs, i.capMs);
    const na = Math.min(a, A - 1);
    switch (i.policy) {
      case 'none': return spread(na, c, min, min);
      case 'exponential': return spread(na, c, at(e), at(e));
      case 'full-jitter': return spreadClamped(na, c, s, min, 0, e);
      case 'equal-jitter': return spreadClamped(na, c, s, min, e / 2, e);
      default: throw new Error('decorrelated is scheduled per delay bucket');
    }
  };
  // uniform delay over [lo, hi) ms from step s, with arrivals before `min` moved to `min`
  const spreadClamped = (a: number, c: number, s: number, min: number, lo: number, hi: number) => {
    const x = s + lo / i.slotMs, y = s + hi / i.slotMs;
    if (y <= min) return spread(a, c, min, min);
    if (x >= min) return spread(a, c, x, y);
    const early = (c * (min - x)) / (y - x);
    spread(a, early, min, min);
    spread(a, c - early, min, y);
  };
  // decorrelated: mass c with previous delay `prevMs` leaving step s: next delay U(base, min(cap, 3 prev))
  let decorOutstanding = 0;
  const scheduleDecor = (c: number, s: number, prevMs: number, first: boolean) => {
    decorOutstanding += c;
    const lo = i.baseMs, hi = Math.max(lo, Math.min(i.capMs, 3 * prevMs));
    const x = lo / i.slotMs, y = hi / i.slotMs;
    const row = dens[s % B];
    const minD = first ? 0 : 1;
    const put = (d: number, m: number) => { row[Math.min(B - 1, Math.max(minD, d))] += m; };
    if (y - x < 1e-9) return put(Math.floor(x), c);
    const k = c / (y - x), fx = Math.floor(x), fy = Math.floor(y);
    if (fx === fy) return put(fx, c);
    put(fx, k * (fx + 1 - x));
    if (fy < B) put(fy, k * (y - fy));
    if (fx + 1 < fy) {
      ddiff[Math.max(minD, fx + 1)] += k;
      ddiff[Math.min(B, fy)] -= k;
    }
  };
  const flushDecor = (s: number) => {
    const row = dens[s % B];
    let acc = 0;
    for (let d = 0; d < B; d++) {
      acc += ddiff[d];
      ddiff[d] = 0;
      row[d] += acc;
    }
    ddiff[B] = 0;
  };

  let connected = i.clients - dropped;
  let carry = 0;
  const rec = new Recorder(i, dropAt);
  for (let s = 0; s < slots; s++) {
    if (s === dropAt) {
      if (decor) {
        scheduleDecor(dropped, s, i.baseMs, true);
        flushDecor(s);
      } else schedule(0, dropped, s, true);
    }
    if (s < dropAt) connected = i.clients;
    else if (s === dropAt) connected = i.clients - dropped;
    // arrivals this step, by attempt
    let arriving = 0;
    const byAttempt = new Float64Array(A);
    for (let a = 0; a < A; a++) {
      run[a] += diff[a][s];
      const m = direct[a][s] + run[a];
      byAttempt[a] = m;
      arriving += m;
    }
    // under a hundredth of a client left in flight: the storm is over, nothing to gather
    if (decor && decorOutstanding > 0.01) {
      for (let d = 0; d < B; d++) {
        const origin = s - d;
        if (origin < 0) break;
        const row = dens[origin % B];
        arrivePrev[d] = row[d];
        row[d] = 0;
        arriving += arrivePrev[d];
        decorOutstanding -= arrivePrev[d];
      }
    } else if (decor) arrivePrev.fill(0);
    const avail = carry + perSlot;
    const accepted = Math.min(arriving, Math.floor(avail), Math.max(0, cap - connected));
    carry = Number.isFinite(avail) ? avail - Math.floor(avail) : 0;
    connected += accepted;
    const rejected = arriving - accepted;
    const fracRejected = arriving > 0 ? rejected / arriving : 0;
    if (fracRejected > 0) {
      if (decor) {
        for (let d = 0; d < B; d++) if (arrivePrev[d] > 0) scheduleDecor(arrivePrev[d] * fracRejected, s, (d + 0.5) * i.slotMs, false);
        flushDecor(s);
      } else for (let a = 0; a < A; a++) if (byAttempt[a] > 0) schedule(a + 1, byAttempt[a] * fracRejected, s, false);
    }
    rec.step(s, arriving, accepted, connected, () => (i.audit ? (s >= dropAt ? pending(s) : 0) : i.clients - connected));
  }

  /** mass still to arrive after step s (summed from the structures themselves, for conservation checks) */
  function pending(s: number): number {
    let m = 0;
    for (let a = 0; a < A; a++) {
      let r = run[a];
      for (let t = s + 1; t < slots + 2; t++) {
        r += diff[a][t];
        m += direct[a][t] + r;
      }
    }
    if (decor) for (let o = Math.max(0, s - B + 1); o <= s; o++) for (let d = s - o + 1; d < B; d++) m += dens[o % B][d];
    return m;
  }

  return {
    engine: 'aggregate', input: i, curves: rec.curves, summary: rec.summary(dropped),
  };
}
