/**
 * When users arrive (and, with stages, leave): one scheduler task. Flat scenarios dial every user at
 * `arrival_rate` (this agent's share of it). Staged ones follow the stages' target: users are taken
 * in order while it rises and the most recent ones retire (their sockets closed, no reconnect) while
 * it falls — uniform arrivals track the target exactly, Poisson ones are a Poisson process with the
 * ramp's rate.
 */
import type { AgentPlan } from './plan.js';
import { gapMs, type Task } from './scheduler.js';
import { segments, slopeAt, usersAt } from './stages.js';
import type { Vu } from './vu.js';

/** What arrivals need: the users and a way to dial one. */
export interface ArrivalPorts {
  readonly plan: AgentPlan;
  readonly vus: readonly Vu[];
  connect(vu: Vu): void;
}

/** The arrival task of this agent. */
export function arrivals(p: ArrivalPorts): Task {
  const s = p.plan.scenario, t0 = p.plan.t0, vus = p.vus;
  const share = vus.length / s.users;
  if (!s.stages) {
    const rate = s.arrival_rate * share;
    let arrived = 0;
    return {
      coarse: true,
      next: t0 + gapMs('uniform', rate),
      fire() {
        p.connect(vus[arrived++]);
        this.next = arrived < vus.length ? this.next + gapMs(s.process, rate) : Infinity;
      },
    };
  }
  const segs = segments(s.stages, s.messages.rate_per_room);
  const end = t0 + s.duration_s * 1000;
  // the active users are always vus[0 .. n): arrivals extend the prefix, departures shorten it
  let n = 0;
  const arrive = () => {
    const vu = vus[n++];
    p.connect(vu);
  };
  const leave = () => {
    const vu = vus[--n];
    vu.state = 'retired';
    vu.sock?.close();
  };
  return {
    coarse: true,
    next: t0,
    fire() {
      const now = this.next;
      if (now >= end) return void (this.next = Infinity);
      const sec = (now - t0) / 1000;
      const slope = slopeAt(segs, sec) * share;
      if (s.process === 'poisson' && slope !== 0) {
        if (slope > 0 && n < vus.length) arrive();
        else if (slope < 0 && n > 0) leave();
      } else {
        const want = Math.min(vus.length, Math.round(usersAt(segs, sec) * share));
        while (n < want) arrive();
        while (n > want) leave();
      }
      // the next change: one user's worth of the ramp, or the next stage boundary on a hold
      const boundary = segs.find((g) => g.to_s > sec + 1e-9)?.to_s ?? s.duration_s;
      this.next = slope !== 0 ? Math.min(now + gapMs(s.process, Math.abs(slope)), t0 + boundary * 1000) : t0 + boundary * 1000;
      if (this.next <= now) this.next = now + 1;
    },
  };
}
