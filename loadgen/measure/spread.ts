/**
 * First- and last-recipient latency per message, kept per room in a small ring indexed by seq
 * (no per-message map entries): a slot is finished into the histograms when a newer message needs it,
 * or at the end of the run.
 */
import type { Hist } from './histogram.js';

const SLOTS = 256;

export class Spread {
  private readonly seq = new Float64Array(SLOTS);
  private readonly first = new Float64Array(SLOTS);
  private readonly last = new Float64Array(SLOTS);
  constructor(private readonly firstHist: Hist, private readonly lastHist: Hist) {}

  /** one recipient got message `seq` after `latMs` */
  record(seq: number, latMs: number): void {
    const i = seq & (SLOTS - 1);
    if (this.seq[i] !== seq) {
      if (this.seq[i] !== 0) this.finish(i);
      this.seq[i] = seq;
      this.first[i] = latMs;
      this.last[i] = latMs;
    } else if (latMs < this.first[i]) this.first[i] = latMs;
    else if (latMs > this.last[i]) this.last[i] = latMs;
  }

  private finish(i: number): void {
    this.firstHist.recordValue(Math.max(1, Math.round(this.first[i] * 1000)));
    this.lastHist.recordValue(Math.max(1, Math.round(this.last[i] * 1000)));
    this.seq[i] = 0;
  }

  /** finishes every message still open */
  flush(): void {
    for (let i = 0; i < SLOTS; i++) if (this.seq[i] !== 0) this.finish(i);
  }
}
