/** HS256 JWT tokens: claims `sub` (user id) and optional `rooms` (patterns the user may join). */
import { SignJWT, jwtVerify } from 'jose';

export interface Claims { sub: string; rooms?: string[] }

const key = (secret: string) => new TextEncoder().encode(secret);

/** Signs a token for a user, valid for ttlSeconds (default one day). */
export async function signToken(secret: string, claims: Claims, ttlSeconds = 86400): Promise<string> {
  const jwt = new SignJWT(claims.rooms ? { rooms: claims.rooms } : {})
    .setProtectedHeader({ alg: 'HS256' }).setSubject(claims.sub).setIssuedAt().setExpirationTime(`${ttlSeconds}s`);
  return jwt.sign(key(secret));
}

/** Verifies a token and returns its claims; throws with the reason when it is not valid. */
export async function verifyToken(secret: string, token: string): Promise<Claims> {
  const { payload } = await jwtVerify(token, key(secret), { algorithms: ['HS256'] });
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new Error('token has no sub claim');
  const rooms = payload.rooms;
  if (rooms !== undefined && !(Array.isArray(rooms) && rooms.every((r) => typeof r === 'string'))) {
    throw new Error('rooms claim must be an array of strings');
  }
  return { sub: payload.sub, rooms: rooms as string[] | undefined };
}

const patternCache = new Map<string, RegExp>();

/** True when a room matches one of the patterns (`*` matches any run of characters). */
export function roomAllowed(patterns: readonly string[] | undefined, room: string): boolean {
  if (!patterns) return true;
  for (const p of patterns) {
    let re = patternCache.get(p);
    if (!re) {
      re = new RegExp('^' + p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
      patternCache.set(p, re);
    }
    if (re.test(room)) return true;
  }
  return false;
}
