/**
 * The ledger for protocols without a server seq: per (sender, receiver) the sender's counters must be
 * contiguous over the interval the receiver was joined. The interval opens at the join
 * acknowledgement (or, when the server acknowledges nothing, at the first message after the join):
 * every message its sender wrote after that instant must arrive. It ends when the receiver's
 * connection closes — unless the protocol recovers the session on reconnect, when it goes on across
 * the gap; a closed interval counts only the holes between what did arrive (what was in flight at the
 * close is nobody's fault) — and only holes the sender's order proves: a later message of the same
 * sender connection arrived (across a sender's reconnect, two connections, maybe two nodes, need not
 * keep order). The one still open at the end expects everything its senders wrote.
 * Senders and receivers of a room live in one agent (rooms never span agents): one clock, one log.
 */
import { Ledger, Track, type LedgerCounts } from './ledger.js';

/** What the stamp ledger knows of a virtual user. */
export interface StampParty {
  readonly id: number;
  /** write time of each of its messages by counter (index n − 1); negative: written but uncertain */
  sends: number[] | null;
  /** the sender connection each of its messages was written on (index n − 1) */
  conns: number[] | null;
  /** the open interval: tracks by sender, and when it began (NaN: joined, not yet confirmed) */
  stamp: { since: number; tracks: Map<number, Track>; early: Set<number> | null } | null;
}

export class StampLedger {
  private readonly seqLedger: Ledger;

  /** a publisher's own message, when the server sends it back (an echo), is never a delivery, a loss or a duplicate */
  constructor(readonly counts: LedgerCounts) {
    this.seqLedger = new Ledger();
    // share the counters: the seq ledger's classification writes straight into ours
    (this.seqLedger as { counts: LedgerCounts }).counts = counts;
  }

  /** the running count of holes (the live view of `lost`) */
  get missingNow(): number {
    return this.seqLedger.missingNow;
  }

  /** a sender wrote message `n` at `t` on its connection number `conn` */
  sent(p: StampParty, n: number, t: number, conn = 0): void {
    (p.sends ??= [])[n - 1] = t;
    (p.conns ??= [])[n - 1] = conn;
  }

  /** a message the sender wrote may never have reached the server (its connection dropped unacked) */
  uncertain(p: StampParty, n: number): void {
    const s = p.sends;
    if (s && s[n - 1] > 0) s[n - 1] = -s[n - 1];
  }

  /** the receiver joined; `at` is when the server confirmed it (NaN: at its first message) */
  joined(r: StampParty, at: number): void {
    if (!r.stamp) r.stamp = { since: at, tracks: new Map(), early: null };
    else if (Number.isNaN(r.stamp.since)) r.stamp.since = at;
  }

  /** the receiver's interval ends (a close not followed by recovery): only holes between arrivals count */
  interrupt(r: StampParty, senders: (id: number) => StampParty | undefined): void {
    const st = r.stamp;
    if (!st) return;
    r.stamp = null;
    for (const [sid, t] of st.tracks) this.settle(t, t.last, senders(sid), true);
  }

  /**
   * A message from `sender` with counter `n` reached receiver `r` at `at`. Returns false when it
   * carries nothing new (a duplicate, or the receiver's own message echoed by the server), so it
   * gives no latency sample.
   */
  receive(r: StampParty, sender: StampParty | undefined, n: number, at: number): boolean {
    if (sender === r) return false;
    const st = r.stamp ?? (r.stamp = { since: NaN, tracks: new Map(), early: null });
    if (Number.isNaN(st.since)) st.since = at;
    if (!sender) {
      this.counts.delivered++;
      return true;
    }
    let t = st.tracks.get(sender.id);
    if (!t) st.tracks.set(sender.id, (t = new Track(writtenBy(sender, st.since))));
    if (n <= t.from) {
      // written before the interval began: delivered, not expected; a second copy is still a duplicate
      if ((st.early ??= new Set()).has(sender.id * 2 ** 21 + n)) {
        this.counts.duplicated++;
        return false;
      }
      st.early.add(sender.id * 2 ** 21 + n);
      this.counts.delivered++;
      return true;
    }
    return this.seqLedger.receive(t, n);
  }

  /** closes the receiver's open interval at the end of the run: everything its senders wrote is expected */
  close(r: StampParty, roomSenders: readonly StampParty[], senders: (id: number) => StampParty | undefined): void {
    const st = r.stamp;
    if (!st || Number.isNaN(st.since)) return void this.interrupt(r, senders);
    r.stamp = null;
    for (const s of roomSenders) {
      if (s === r) continue;
      const t = st.tracks.get(s.id) ?? new Track(writtenBy(s, st.since));
      this.settle(t, s.sends?.length ?? 0, s);
    }
  }

  /**
   * Counts expected and lost for one track up to counter `upTo` (only messages surely written). In a
   * closed interval a hole counts only when a later message of the same sender connection arrived.
   */
  private settle(t: Track, upTo: number, s: StampParty | undefined, closed = false): void {
    const sends = s?.sends ?? [], conns = s?.conns ?? [];
    const proven = (n: number) => {
      for (let m = n + 1; m <= t.last && conns[m - 1] === conns[n - 1]; m++) if (!t.missing?.has(m)) return true;
      return false;
    };
    let expected = 0, lost = 0;
    for (let n = t.from + 1; n <= upTo; n++) {
      const hole = n > t.last || !!t.missing?.has(n);
      if (!(sends[n - 1] > 0) || (closed && hole && !proven(n))) {
        if (t.missing?.delete(n)) this.seqLedger.missingNow--;
        continue;
      }
      expected++;
      if (n > t.last || t.missing?.has(n)) lost++;
    }
    if (t.missing) this.seqLedger.missingNow -= t.missing.size;
    t.missing = null;
    this.counts.expected += expected;
    this.counts.lost += lost;
  }
}

/** how many of a sender's messages were written at or before `at` (its write times only grow) */
function writtenBy(s: StampParty, at: number): number {
  const sends = s.sends;
  if (!sends) return 0;
  let lo = 0, hi = sends.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Math.abs(sends[mid]) <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
