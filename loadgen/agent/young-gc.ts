/**
 * The young generation collected while no send is due. V8 scavenges when its new space fills, and a
 * scavenge that starts between a send's wake and its write is that send's lag: with sends every few
 * tens of ms, most of the worst sends of a run were exactly that. Collected early, in a gap before
 * the next send, the same pause falls where nothing is measured against an intended time. It needs
 * `--expose-gc` (the agent's flags); without it nothing changes.
 */
import { getHeapSpaceStatistics } from 'node:v8';

/** Collect once the new space is this full: a natural scavenge comes only at full, and the gaps
 * between sends allocate a few percent of it, so early collections leave it no room to come first. */
export const YOUNG_FULL_SHARE = 0.7;
/** at most one look at the heap per this many ms (one look costs some µs) */
export const YOUNG_LOOK_EVERY_MS = 1;

type Gc = (o: { type: 'minor' }) => void;

/** How full the new space is, 0..1. */
export function youngShare(): number {
  const s = getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
  if (!s) return 0;
  const cap = s.space_used_size + s.space_available_size;
  return cap > 0 ? s.space_used_size / cap : 0;
}

/**
 * A collector to call when nothing is due for a while: it scavenges when the new space is
 * YOUNG_FULL_SHARE full, and says whether it did. Null when the process has no `gc` exposed.
 */
export function youngCollector(gc: Gc | undefined = (globalThis as { gc?: Gc }).gc, share: () => number = youngShare): ((now: number) => boolean) | null {
  if (typeof gc !== 'function') return null;
  let lookedAt = -Infinity;
  return (now) => {
    if (now - lookedAt < YOUNG_LOOK_EVERY_MS) return false;
    lookedAt = now;
    if (share() < YOUNG_FULL_SHARE) return false;
    gc({ type: 'minor' });
    return true;
  };
}
