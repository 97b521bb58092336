/**
 * The delivery ledger. Per receiver and room the seqs must be contiguous; each received seq is
 * classed as in order, a gap (later missing), a late arrival (reordered) or a duplicate. What is
 * still missing at the end is offered to a backfill; what the backfill cannot find is lost.
 */
export interface LedgerCounts {
  expected: number; delivered: number; lost: number; duplicated: number; reordered: number; backfilled: number; recovered: number;
}

/** One receiver's view of one room. */
export class Track {
  /** highest seq seen (received, or own message acked) */
  last: number;
  /** seqs below `last` not seen yet */
  missing: Set<number> | null = null;
  /** own messages acked in this room */
  own = 0;
  /** the room log's epoch, from joined */
  epoch = '';
  /** after a recovering join, seqs up to here are replays (not latency samples) */
  replayUntil = 0;
  constructor(readonly from: number) {
    this.last = from;
  }
}

export class Ledger {
  readonly counts: LedgerCounts = { expected: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0, backfilled: 0, recovered: 0 };
  /** seqs missing right now over every track (gaps not filled yet): the running view of `lost` */
  missingNow = 0;

  /** a msg received over the socket; returns false for a duplicate (no latency sample then) */
  receive(t: Track, seq: number, replay = false): boolean {
    const fresh = this.see(t, seq, true);
    if (fresh) {
      this.counts.delivered++;
      if (replay) this.counts.recovered++;
    }
    return fresh;
  }

  /** the receiver's own message was acked with this seq: it will not arrive, and that is right */
  own(t: Track, seq: number): void {
    if (seq > t.from) t.own++;
    this.see(t, seq, false);
  }

  private see(t: Track, seq: number, count: boolean): boolean {
    if (seq === t.last + 1) {
      t.last = seq;
      return true;
    }
    if (seq > t.last) {
      t.missing ??= new Set();
      for (let s = t.last + 1; s < seq; s++) t.missing.add(s);
      this.missingNow += seq - t.last - 1;
      t.last = seq;
      return true;
    }
    if (seq > t.from && t.missing?.delete(seq)) {
      this.missingNow--;
      if (count) this.counts.reordered++;
      return true;
    }
    if (count) this.counts.duplicated++;
    return false;
  }

  /** seqs this receiver should have by `head` but has not */
  gaps(t: Track, head: number): number[] {
    const out = t.missing ? [...t.missing] : [];
    for (let s = t.last + 1; s <= head; s++) out.push(s);
    return out.sort((a, b) => a - b);
  }

  /**
   * Closes one receiver's room at the room's final head. `found` maps the seqs a backfill returned
   * to their sender: a gap that turns out to be the receiver's own message (its ack was lost) is not
   * expected; any other found gap is backfilled; the rest are lost.
   */
  close(t: Track, head: number, found: ReadonlyMap<number, string>, me: string): void {
    let back = 0, mine = 0, lost = 0;
    for (const s of this.gaps(t, head)) {
      const from = found.get(s);
      if (from === me) mine++;
      else if (from !== undefined) back++;
      else lost++;
    }
    this.counts.backfilled += back;
    this.counts.lost += lost;
    this.counts.expected += Math.max(0, head - t.from) - t.own - mine;
  }
}

/** Adds ledger counts from agents. */
export function mergeCounts(all: readonly LedgerCounts[]): LedgerCounts {
  const out: LedgerCounts = { expected: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0, backfilled: 0, recovered: 0 };
  for (const c of all) for (const k of Object.keys(out) as (keyof LedgerCounts)[]) out[k] += c[k];
  return out;
}
