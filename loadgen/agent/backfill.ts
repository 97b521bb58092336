/**
 * End-of-run backfill: for every room, read the gateway's history over HTTP from the oldest gap
 * any local member has, learn the room's final head, and close each member's ledger track.
 */
import type { Ledger, Track } from '../measure/ledger.js';
import { httpBase, type AgentPlan } from './plan.js';
import type { AgentStats } from './result.js';
import type { Vu } from './vu.js';

/** What the backfill needs from its agent. */
export interface BackfillPorts {
  readonly plan: AgentPlan;
  readonly vus: readonly Vu[];
  readonly ledger: Ledger;
  readonly stats: AgentStats;
  readonly heads: ReadonlyMap<string, number>;
  readonly sentRooms: ReadonlySet<string>;
}

const PAGE = 1000;
const CONCURRENCY = 16;

interface Page { head: number; messages: { seq: number; from: string }[]; more?: boolean }

/** Backfills and closes every track of the agent's users. */
export async function backfill(agent: BackfillPorts): Promise<void> {
  const byRoom = new Map<string, { t: Track; me: string; left: boolean }[]>();
  for (const vu of agent.vus) {
    // a user retired by a ramp down left: nothing sent after its last message is expected of it
    for (const [room, t] of vu.tracks()) (byRoom.get(room) ?? byRoom.set(room, []).get(room)!).push({ t, me: vu.user, left: vu.state === 'retired' });
  }
  const bases = agent.plan.targets.map(httpBase);
  // any live node serves the history (a fleet may have lost one during the run)
  const get = async (path: string): Promise<Response> => {
    let last: unknown;
    // a busy gateway is waited for, up to a minute: it bounds history reads in progress per user and
    // node (429), and an overloaded one sheds them (503 shed) until it has been calm for a while
    for (let wait = 20, end = Date.now() + 60_000; Date.now() < end; wait = Math.min(wait * 2, 1000)) {
      let busy = false;
      for (const b of bases) {
        try {
          const res = await fetch(`${b}${path}`);
          if (res.ok) return res;
          busy ||= res.status === 429 || (res.status === 503 && ((await res.json().catch(() => ({}))) as { error?: string }).error === 'shed');
          last = new Error(`HTTP ${res.status}`);
        } catch (err) {
          last = err;
        }
      }
      if (!busy) break;
      await new Promise((r) => setTimeout(r, wait + Math.random() * wait));
    }
    throw last;
  };
  // a room nobody here sent to and nobody here has a gap in has nothing to read back
  const rooms = [...byRoom].filter(([room, ts]) => agent.sentRooms.has(room) || ts.some(({ t }) => t.missing?.size));
  let next = 0;
  const worker = async () => {
    while (next < rooms.length) {
      const [room, tracks] = rooms[next++];
      let after = Infinity;
      for (const { t } of tracks) after = Math.min(after, t.missing?.size ? Math.min(...t.missing) - 1 : t.last);
      const found = new Map<number, string>();
      let head = agent.heads.get(room) ?? 0;
      try {
        for (;;) {
          const res = await get(`/rooms/${encodeURIComponent(room)}/messages?after=${after}&limit=${PAGE}`);
          const page = (await res.json()) as Page;
          // a page without a head (a gateway that does not say) keeps the head learned from acks
          if (Number.isSafeInteger(page.head)) head = Math.max(head, page.head);
          for (const m of page.messages) found.set(m.seq, m.from);
          // a page may end early at the gateway's byte cap: `more` says there is more after it
          if (!page.more && page.messages.length < PAGE) break;
          if (!page.messages.length) break;
          after = page.messages[page.messages.length - 1].seq;
        }
      } catch {
        agent.stats.errors.backfill_failed = (agent.stats.errors.backfill_failed ?? 0) + 1;
      }
      for (const { t, me, left } of tracks) agent.ledger.close(t, left ? t.last : head, found, me);
    }
  };
  const read = new Set(rooms.map(([r]) => r));
  for (const [room, tracks] of byRoom) {
    if (read.has(room)) continue;
    for (const { t, me } of tracks) agent.ledger.close(t, t.last, new Map(), me);
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}
