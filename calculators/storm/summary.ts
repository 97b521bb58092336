/** What both storm engines record each step, and the summary they report from it. */
import type { StormCurves, StormInput, StormSummary } from './input.js';

export class Recorder {
  readonly curves: StormCurves = { connected: [], arriving: [], accepted: [], rejected: [], waiting: [] };
  private arr = 0;
  private acc = 0;
  private rej = 0;
  private recoveredAt: number | null = null;
  private readonly perSec: number;

  constructor(private readonly i: StormInput, private readonly dropAt: number) {
    this.perSec = Math.round(1000 / i.slotMs);
  }

  /** one step's counts; `waiting` is asked for once a second */
  step(s: number, arriving: number, accepted: number, connected: number, waiting: () => number): void {
    this.arr += arriving;
    this.acc += accepted;
    this.rej += arriving - accepted;
    if (this.recoveredAt === null && s >= this.dropAt && connected >= 0.99 * this.i.clients - 1e-6) this.recoveredAt = s;
    if ((s + 1) % this.perSec === 0) {
      const c = this.curves;
      c.connected.push(connected);
      c.arriving.push(this.arr);
      c.accepted.push(this.acc);
      c.rejected.push(this.rej);
      c.waiting.push(waiting());
      this.arr = this.acc = this.rej = 0;
    }
  }

  /** the summary: peak arrivals, time from the kill to 99% connected (end of that step), rejections */
  summary(dropped: number): StormSummary {
    const t = this.recoveredAt === null ? null : ((this.recoveredAt + 1) * this.i.slotMs) / 1000 - this.i.atS;
    return {
      dropped,
      peakArrivalsPerSec: Math.max(0, ...this.curves.arriving),
      timeTo99S: t === null ? null : Math.round(t * 1000) / 1000,
      totalRejected: this.curves.rejected.reduce((a, b) => a + b, 0),
    };
  }
}
