/**
 * The `history` phase: users scrolling back through a room (a classic chat load: open a room, page
 * back). `scrolls` scroll-backs start at `rate_per_s`, each as a user of the run reading `pages` pages
 * of `limit` messages backwards from a room's head (GET /rooms/:room/messages?before=). Every page is
 * checked: contiguous within itself and with the page before it (the first one ends at the head the
 * gateway reported), so a scroll that skips or repeats a seq is counted, not averaged away. Latency is
 * per page, split by the tier the gateway says it read (hot window, cold tier, or both).
 */
import { performance } from 'node:perf_hooks';
import type { Scenario } from '../scenario/scenario.js';
import { newHist, percentiles, type Hist } from '../measure/histogram.js';
import { httpBase } from '../agent/plan.js';

export type HistoryTier = 'hot' | 'cold' | 'mixed';

export interface TierLatency { pages: number; p50_ms: number; p90_ms: number; p99_ms: number; max_ms: number }

export interface HistoryPhaseResult {
  url: string; scrolls: number; pages: number; messages: number;
  /** scrolls that reached seq 1 before their page count */
  reached_start: number;
  /** scrolls that got an empty page before seq 1: older history is gone (no cold tier) */
  truncated: number;
  /** seqs a scroll skipped or read twice (within a page or between pages): 0 for a sound history */
  gaps: number; repeats: number;
  /** failed pages by error code (or HTTP status) */
  errors: Record<string, number>;
  latency_ms: { all: TierLatency; hot?: TierLatency; cold?: TierLatency; mixed?: TierLatency };
}

interface Page { head: number; tiers?: string[]; messages: { seq: number }[]; more: boolean; error?: string }

/** a tier's page latencies (an HDR histogram in µs, as every latency here); NaN with no pages: unmeasured, not 0 */
function summarize(h: Hist): TierLatency {
  const p = percentiles(h), none = h.totalCount === 0;
  return { pages: p.count, p50_ms: none ? NaN : p.p50_ms, p90_ms: none ? NaN : p.p90_ms, p99_ms: none ? NaN : p.p99_ms, max_ms: none ? NaN : p.max_ms };
}

/** the tier a page came from, as the gateway named it */
const tierOf = (p: Page): HistoryTier => (p.tiers?.includes('cold') ? (p.tiers.includes('hot') ? 'mixed' : 'cold') : 'hot');

/** Runs the phase against rooms of this run (their names as the agents made them); resolves with what it measured. */
export async function historyPhase(s: Readonly<Scenario>, target: string, run: string): Promise<HistoryPhaseResult> {
  const h = s.history!;
  const base = httpBase(target);
  const rooms = Math.max(1, Math.ceil(s.users / s.rooms.size));
  const out: HistoryPhaseResult = { url: `${base}/rooms/:room/messages?before=`, scrolls: 0, pages: 0, messages: 0, reached_start: 0, truncated: 0, gaps: 0, repeats: 0, errors: {}, latency_ms: { all: summarize(newHist()) } };
  const lat: Record<HistoryTier, Hist> = { hot: newHist(), cold: newHist(), mixed: newHist() };
  const fail = (code: string) => { out.errors[code] = (out.errors[code] ?? 0) + 1; };

  async function scroll(i: number): Promise<void> {
    const user = `${run}-u${i % s.users}`, room = `${run}-room${i % rooms}`;
    const auth = `user=${encodeURIComponent(user)}`;
    let before = Number.MAX_SAFE_INTEGER, expectTop = -1;
    for (let p = 0; p < h.pages; p++) {
      const t = performance.now();
      let page: Page;
      try {
        const res = await fetch(`${base}/rooms/${encodeURIComponent(room)}/messages?before=${before}&limit=${h.limit}&${auth}`);
        page = (await res.json()) as Page;
        if (!res.ok) return fail(page.error ?? `http_${res.status}`);
      } catch (err) {
        return fail((err as { cause?: { code?: string } }).cause?.code ?? 'fetch_failed');
      }
      const ms = performance.now() - t;
      lat[tierOf(page)].recordValue(Math.max(1, Math.round(ms * 1000)));
      out.pages++;
      out.messages += page.messages.length;
      const seqs = page.messages.map((m) => m.seq);
      // the first page ends at the head the gateway reported; each later one right below the page before
      const top = expectTop < 0 ? page.head : expectTop;
      if (seqs.length) {
        const last = seqs[seqs.length - 1];
        if (last < top) out.gaps += top - last;
        else if (last > top) out.repeats += last - top;
        for (let k = 1; k < seqs.length; k++) {
          if (seqs[k] > seqs[k - 1] + 1) out.gaps += seqs[k] - seqs[k - 1] - 1;
          else if (seqs[k] <= seqs[k - 1]) out.repeats++;
        }
        before = seqs[0];
        expectTop = seqs[0] - 1;
      }
      if (!page.more || seqs.length === 0) {
        if (seqs[0] === 1) out.reached_start++;
        else if (seqs.length === 0 && expectTop > 0) out.truncated++;
        return;
      }
    }
  }

  const started: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < h.scrolls; i++) {
    // paced by the clock, not by the previous scroll: a slow gateway does not slow the offered rate
    const wait = t0 + (i / h.rate_per_s) * 1000 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    out.scrolls++;
    started.push(scroll(i));
  }
  await Promise.all(started);
  const all = newHist();
  for (const t of ['hot', 'cold', 'mixed'] as const) {
    all.add(lat[t]);
    if (lat[t].totalCount) out.latency_ms[t] = summarize(lat[t]);
  }
  out.latency_ms.all = summarize(all);
  return out;
}
