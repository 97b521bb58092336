/**
 * First- and last-recipient latency per message, kept per room in a small ring indexed by seq
 * (no per-message map entries): a slot is finished into the histograms when a newer message needs it,
 * or at the end of the run.
 */
import type { Hist } from './histogram.js';

const SLOTS = 256;

export class Spread {
  /**
   * seq, first and last latency of each slot, side by side (slot i at 3i): 6 KiB, allocated at the
   * room's first delivery, so the rooms of an idle fleet cost no ring at all
   */
  private ring: Float64Array | null = null;
  constructor(private readonly firstHist: Hist, private readonly lastHist: Hist) {}

  /** one recipient got message `seq` after `latMs` */
  record(seq: number, latMs: number): void {
    const r = (this.ring ??= new Float64Array(3 * SLOTS));
    const i = 3 * (seq & (SLOTS - 1));
    if (r[i] !== seq) {
      if (r[i] !== 0) this.finish(r, i);
      r[i] = seq;
      r[i + 1] = latMs;
      r[i + 2] = latMs;
    } else if (latMs < r[i + 1]) r[i + 1] = latMs;
    else if (latMs > r[i + 2]) r[i + 2] = latMs;
  }

  private finish(r: Float64Array, i: number): void {
    this.firstHist.recordValue(Math.max(1, Math.round(r[i + 1] * 1000)));
    this.lastHist.recordValue(Math.max(1, Math.round(r[i + 2] * 1000)));
    r[i] = 0;
  }

  /** finishes every message still open */
  flush(): void {
    const r = this.ring;
    if (r) for (let i = 0; i < r.length; i += 3) if (r[i] !== 0) this.finish(r, i);
  }
}
