import { seededRandom } from '../../common/random.js';
/** Deterministic random and mutated frames for fuzz tests (seeded, so a failure can be replayed). */
/** The seeded random of the project (replayable fuzz inputs). */
export const rng = seededRandom;

const VALID = [
  { op: 'join', room: 'fz', after: 0 },
  { op: 'send', room: 'fz', id: 'x1', body: 'hello', meta: { k: 1 } },
  { op: 'dm', to: 'someone', id: 'x2', body: 'hi' },
  { op: 'leave', room: 'fz' },
  { op: 'presence', users: ['a', 'b'] },
];
const ODD: unknown[] = [null, true, -1, 1.5, 1e308, '', 'x'.repeat(300), [], {}, [1, [2]], { op: 'join' }, '\u0000', 'zz\ud800'];

/** One fuzz input: raw random bytes, a random JSON value, or a valid frame with a field broken. */
export function fuzzFrame(rand: () => number): { data: Buffer | string; binary: boolean } {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const kind = rand();
  if (kind < 0.2) {
    const b = Buffer.alloc(Math.floor(rand() * 64));
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
    return { data: b, binary: rand() < 0.5 };
  }
  const f: Record<string, unknown> = { ...pick(VALID) };
  if (kind < 0.4) return { data: JSON.stringify(pick(ODD)), binary: false };
  const keys = [...Object.keys(f), 'op', 'room', 'after', 'epoch', 'body', 'users', 'extra'];
  const k = pick(keys);
  if (rand() < 0.3) delete f[k];
  else f[k] = pick(ODD);
  let text = JSON.stringify(f);
  if (rand() < 0.3) {
    const i = Math.floor(rand() * text.length);
    text = rand() < 0.5 ? text.slice(0, i) : text.slice(0, i) + String.fromCharCode(Math.floor(rand() * 128)) + text.slice(i + 1);
  }
  return { data: text, binary: false };
}

/** Deeply nested JSON text (built as text: a value this deep cannot be built with JSON.stringify). */
export const deepJson = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** A deeply nested object, for msgpack (msgpackr encodes it iteratively enough for these depths). */
export function deepObject(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/**
 * A hostile meta for a send: deep, wide, BigInt, huge strings, odd types — or a valid one. Returns
 * the meta as a value (for msgpack) and as JSON text (for JSON sessions; BigInt becomes a long number).
 */
export function nastyMeta(rand: () => number): { value: unknown; json: string; valid: boolean } {
  const k = Math.floor(rand() * 9);
  const depth = 9 + Math.floor(rand() * 3000);
  switch (k) {
    case 0: return { value: deepObject(Math.min(depth, 400)), json: deepJson(depth), valid: false };
    case 1: {
      const wide: Record<string, number> = {};
      for (let i = 0; i < 1001 + Math.floor(rand() * 3000); i++) wide[`k${i}`] = i;
      return { value: wide, json: JSON.stringify(wide), valid: false };
    }
    case 2: return { value: { n: 2n ** 62n + BigInt(Math.floor(rand() * 1000)) }, json: `{"n":${2n ** 64n}}`, valid: false };
    case 3: return { value: { s: 'x'.repeat(70_000 + Math.floor(rand() * 300_000)) }, json: JSON.stringify({ s: 'x'.repeat(70_000) }), valid: false };
    case 4: return { value: { d: new Date(0) }, json: '{"d":"x"}', valid: false };
    case 5: return { value: { b: new Uint8Array([1, 2, 3]) }, json: '[1,2]', valid: false };
    case 6: return { value: { n: Number.NaN }, json: '"not an object"', valid: false };
    case 7: return { value: Array.from({ length: 5 }, () => ({ deep: deepObject(7) })), json: '[]', valid: false };
    default: return { value: { stamp: { s: 'u1', n: Math.floor(rand() * 1e6) }, tags: ['a', 'b'] }, json: '{"stamp":{"s":"u1","n":1},"tags":["a","b"]}', valid: true };
  }
}
