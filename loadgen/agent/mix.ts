/**
 * The workload mix of one agent's users: rooms with sizes drawn from a distribution (a size/share
 * table or Zipf between bounds), each user in `per_user` rooms, users in classes with their own send
 * rates. Rooms are built from the agent's own users only — rooms never span agents, so fan-out
 * latency stays on one clock; the cost is that no room is larger than one agent's users, and the
 * mix is realised per agent. Everything is drawn from a seed: repeatable run to run.
 */
import { seededRandom } from '../../common/random.js';
import type { Scenario, UserClass } from '../scenario/scenario.js';

export type { UserClass } from '../scenario/scenario.js';

/** true when rooms come from a distribution, users are in several rooms, or users have classes */
export const isMix = (s: Readonly<Scenario>): boolean => !!(s.rooms.sizes || s.rooms.zipf || s.rooms.per_user > 1 || s.classes);

/** the scenario's room-size distribution (a fixed size is a one-row table) */
export const sizeMixOf = (s: Readonly<Scenario>): SizeMix =>
  s.rooms.sizes ? { sizes: s.rooms.sizes } : s.rooms.zipf ? { zipf: s.rooms.zipf } : { sizes: [{ size: s.rooms.size, share: 1 }] };

/** A room-size distribution: a table of sizes with shares of rooms, or Zipf (P(k) ∝ k^−s) between bounds. */
export type SizeMix = { sizes: { size: number; share: number }[] } | { zipf: { min: number; max: number; s: number } };


/** A sampler of room sizes from a distribution. */
export function sizeSampler(mix: SizeMix, rand: () => number): () => number {
  const table = 'sizes' in mix ? mix.sizes : zipfTable(mix.zipf.min, mix.zipf.max, mix.zipf.s);
  const total = table.reduce((a, x) => a + x.share, 0);
  const cum: number[] = [];
  let acc = 0;
  for (const x of table) cum.push((acc += x.share / total));
  return () => {
    const u = rand();
    let lo = 0, hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return table[lo].size;
  };
}

/** Zipf's shares over the sizes min..max */
export function zipfTable(min: number, max: number, s: number): { size: number; share: number }[] {
  const out = [];
  for (let k = min; k <= max; k++) out.push({ size: k, share: k ** -s });
  return out;
}

/** Rooms of an agent: each room's members (user numbers), and each user's rooms. */
export interface Rooms { members: number[][]; of: number[][] }

/**
 * Builds rooms over users first..end−1: sizes drawn until every user can be in `perUser` rooms (the
 * last room takes what is left), then seats dealt from a shuffled list, a user never twice in a room.
 */
export function buildRooms(first: number, end: number, mix: SizeMix, perUser: number, seed: number): Rooms {
  const rand = seededRandom(seed);
  const users = end - first;
  const draw = sizeSampler(mix, rand);
  const sizes: number[] = [];
  let seats = users * perUser;
  while (seats > 0) {
    const k = Math.min(draw(), users, seats);
    sizes.push(k);
    seats -= k;
  }
  // the seats: every user perUser times, shuffled
  const deck = new Int32Array(users * perUser);
  for (let i = 0; i < deck.length; i++) deck[i] = first + (i % users);
  for (let i = deck.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [deck[i], deck[j]] = [deck[j], deck[i]];
  }
  const members: number[][] = [];
  const of: number[][] = Array.from({ length: users }, () => []);
  let at = 0;
  for (let r = 0; r < sizes.length; r++) {
    const room: number[] = [];
    const seen = new Set<number>();
    for (let n = 0; n < sizes[r]; n++, at++) {
      // a user already seated here swaps with a later seat of another user
      for (let tries = 0; seen.has(deck[at]) && tries < 64; tries++) {
        const j = at + 1 + Math.floor(rand() * (deck.length - at - 1));
        if (j < deck.length && !seen.has(deck[j])) [deck[at], deck[j]] = [deck[j], deck[at]];
      }
      if (seen.has(deck[at])) continue; // no other user left to swap with: the room is a seat short
      seen.add(deck[at]);
      room.push(deck[at]);
      of[deck[at] - first].push(r);
    }
    members.push(room);
  }
  return { members, of };
}

/** The class of each of users first..end−1, by the classes' shares (a seeded shuffle of exact counts). */
export function assignClasses(first: number, end: number, classes: readonly UserClass[], seed: number): Uint8Array {
  const users = end - first;
  const total = classes.reduce((a, c) => a + c.share, 0);
  const out = new Uint8Array(users);
  let at = 0;
  classes.forEach((c, i) => {
    const n = i === classes.length - 1 ? users - at : Math.round((users * c.share) / total);
    out.fill(i, at, Math.min(users, at + n));
    at = Math.min(users, at + n);
  });
  const rand = seededRandom(seed ^ 0x5bd1e995);
  for (let i = users - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
