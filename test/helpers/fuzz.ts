/** Deterministic random and mutated frames for fuzz tests (seeded, so a failure can be replayed). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
