/**
 * A precise scheduler: every task says when it is next due; one timer wakes the agent shortly before
 * the earliest, then it waits out the last stretch with setImmediate (which still reads sockets
 * between checks) and runs exactly what is due — never coarse ticks, never a burst of what is not.
 * Node's timers fire up to a millisecond or more late; the last `spinMs` is what brings the send lag
 * (actual − intended, measured for every send) under a millisecond. Only sends need that: a `coarse`
 * task (arrivals: when a socket dials is not measured against an intended time) runs off the timer
 * alone, because waiting out the last stretch before every arrival would keep an agent busy half the
 * time during a ramp (2 ms of every 4 at 250 arrivals/s), and many agents on few cores then starve the
 * gateways they measure.
 */
import { nowMs } from '../measure/clock.js';

/** At an equal due time tasks run by rank: sends first (no send waits for a bucket to close: a room
 * sending on the bucket's beat would otherwise carry the bucket's cost in every send's lag), then the
 * timeline bucket named by its end, then the rest (faults), so a bucket closing when a storm is due
 * holds the state before the storm. */
export const RANK = { send: 0, bucket: 1, other: 2 } as const;

/** How precise the scheduler is, and what it does in the gaps between sends. */
export interface SchedulerOptions {
  /** the last stretch before a precise task, waited out between reads (ms, default 2) */
  spinWindowMs?: number;
  /** the most due work run in one turn before the sockets are read again (ms, default 10) */
  turnMs?: number;
  /** background work and `collect` only while the next precise task is at least this far off (ms, default 5) */
  idleGapMs?: number;
  /** background work that waited this long runs anyway (ms, default 1000) */
  maxDeferMs?: number;
  /** called in such a gap (youngCollector): a scavenge comes there and not before a send; true when it collected */
  collect?: ((now: number) => boolean) | null;
}

/** Something to run at `next` (epoch ms); `fire` runs it and moves `next` on (Infinity: done); `rank`
 * orders tasks due at the same instant (RANK, default RANK.other). */
export interface Task { next: number; fire(now: number): void; readonly coarse?: boolean; readonly rank?: number }

export class Scheduler {
  /** two heaps by due time: a coarse task's timer must never stand between a precise one and its spin */
  private readonly precise: Task[] = [];
  private readonly coarse: Task[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private stopped = false;
  /** wall ms spent in last stretches before due times (reads run meanwhile): the price of precision */
  spinMs = 0;
  private spinSince = 0;
  /** background work (`later`), oldest first, and since when the oldest has waited */
  private readonly jobs: (() => void)[] = [];
  private jobsSince = 0;

  /** young-generation collections run early, in gaps (youngCollector) */
  youngGcs = 0;
  /** whether gaps collect the young generation (the process has `gc` exposed) */
  get collects(): boolean { return this.collect !== null; }

  private readonly spinWindowMs: number;
  private readonly turnMs: number;
  private readonly idleGapMs: number;
  private readonly maxDeferMs: number;
  private readonly collect: ((now: number) => boolean) | null;

  /** `o`: SchedulerOptions, each defaulted */
  constructor(o: SchedulerOptions = {}) {
    this.spinWindowMs = o.spinWindowMs ?? 2;
    this.turnMs = o.turnMs ?? 10;
    this.idleGapMs = o.idleGapMs ?? 5;
    this.maxDeferMs = o.maxDeferMs ?? 1000;
    this.collect = o.collect ?? null;
  }

  /** runs `fn` between precise tasks, when none is due within idleGapMs (within maxDeferMs at the latest) */
  later(fn: () => void): void {
    if (this.jobs.length === 0) this.jobsSince = nowMs();
    this.jobs.push(fn);
  }

  /** runs every background job now (the end of a run) */
  flushLater(): void {
    for (let fn = this.jobs.shift(); fn; fn = this.jobs.shift()) fn();
  }

  /** background jobs while the next precise task leaves room (one turn's worth at most) */
  private idle(): void {
    const end = nowMs() + this.turnMs;
    while (this.jobs.length) {
      const now = nowMs(), p = this.precise[0];
      if (now > end || (p && p.next - now < this.idleGapMs && now - this.jobsSince < this.maxDeferMs)) return;
      this.jobs.shift()!();
      this.jobsSince = nowMs();
    }
  }

  /**
   * Runs what is due now, from between two socket reads: a fan-out lands as a burst of reads (one per
   * receiver), and a send due meanwhile goes out between them instead of after the whole burst (or
   * after the timer phase that would have woken the scheduler, which waits for the burst). One clock
   * read per socket read.
   */
  poll(): void {
    const p = this.precise[0];
    if (p !== undefined && !this.stopped && p.next <= nowMs()) this.wake();
  }

  /** adds a task (due at task.next) */
  add(task: Task): void {
    if (!Number.isFinite(task.next)) return;
    push(task.coarse ? this.coarse : this.precise, task);
    if (!this.stopped) this.arm();
  }

  /** runs `fn` once at `at` */
  once(at: number, fn: (now: number) => void): void {
    this.add({ next: at, fire(now) { this.next = Infinity; fn(now); } });
  }

  /** stops waking; tasks left are dropped */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = this.immediate = null;
    this.precise.length = this.coarse.length = 0;
  }

  /** one pending wake: a spin when a precise task is within its window, else a timer for the earlier of
   * the precise task's window and the coarse task's due time */
  private arm(): void {
    const p = this.precise[0], c = this.coarse[0];
    if (!p && !c) return;
    let now = nowMs();
    if (p && p.next - now <= this.spinWindowMs) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      if (!this.immediate) this.immediate = setImmediate(this.wake);
      return;
    }
    if (this.collect && (!p || p.next - now >= this.idleGapMs) && this.collect(now)) {
      this.youngGcs++;
      now = nowMs();
    }
    const at = Math.min(p ? p.next - this.spinWindowMs : Infinity, c ? c.next : Infinity);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(this.wake, Math.max(0, Math.floor(at - now)));
  }

  /** the heap whose top is due first at `t` (a coarse task is due within the timer's own millisecond), or null */
  private due(t: number): Task[] | null {
    const p = this.precise[0], c = this.coarse[0];
    const pDue = p !== undefined && p.next <= t, cDue = c !== undefined && c.next <= t + 1;
    if (pDue && cDue) return earlier(c, p) ? this.coarse : this.precise;
    return pDue ? this.precise : cDue ? this.coarse : null;
  }

  private readonly wake = (): void => {
    // one pending wake at a time: whichever of a timer and a spin immediate fires first cancels the other
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = this.immediate = null;
    if (this.stopped) return;
    const t = nowMs();
    if (!this.due(t)) {
      // the last stretch before a precise task: wait it out without blocking reads
      const p = this.precise[0];
      if (p && p.next - t <= this.spinWindowMs && this.spinSince === 0) this.spinSince = t;
      else if (this.jobs.length) this.idle();
      return this.arm();
    }
    if (this.spinSince) {
      this.spinMs += t - this.spinSince;
      this.spinSince = 0;
    }
    // everything due now, in due order; a task due again before `t` runs again. At most `turnMs` of
    // it per turn: an agent behind its arrivals must still read its sockets between them (answer
    // pings, finish handshakes), or the gateways time those out and the redials feed the backlog
    const yieldAt = t + this.turnMs;
    for (let h = this.due(t); h && !this.stopped; h = this.due(t)) {
      const now = nowMs();
      if (now > yieldAt) {
        this.immediate = setImmediate(this.wake);
        return;
      }
      const task = pop(h);
      task.fire(now);
      if (Number.isFinite(task.next)) push(h, task);
    }
    if (this.jobs.length) this.idle();
    if (!this.stopped) this.arm();
  };
}

/** a due before b; at equal due times the lower rank first */
function earlier(a: Task, b: Task): boolean {
  return a.next < b.next || (a.next === b.next && (a.rank ?? RANK.other) < (b.rank ?? RANK.other));
}

function push(h: Task[], task: Task): void {
  let i = h.push(task) - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!earlier(h[i], h[p])) break;
    [h[p], h[i]] = [h[i], h[p]];
    i = p;
  }
}

function pop(h: Task[]): Task {
  const top = h[0];
  const last = h.pop()!;
  if (h.length) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < h.length && earlier(h[l], h[m])) m = l;
      if (r < h.length && earlier(h[r], h[m])) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
  return top;
}

/** The gaps of an arrival process with mean 1/ratePerS: fixed (uniform) or exponential (Poisson). */
export function gapMs(process: 'uniform' | 'poisson', ratePerS: number, rand = Math.random): number {
  const mean = 1000 / ratePerS;
  return process === 'poisson' ? -Math.log(1 - rand()) * mean : mean;
}
