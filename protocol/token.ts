/** HS256 JWT tokens: claims `sub` (user id), `exp` (required), optional `rooms` patterns and `admin`. */
// jose is imported on first use: a gateway on --auth none (and every other command) never loads it
const jose = () => import('jose');
import { userProblem } from './names.js';

export interface Claims { sub: string; rooms?: string[]; admin?: boolean }

/** Shortest HS256 secret accepted: RFC 7518 §3.2 asks for a key at least as long as the hash (32 bytes). */
export const MIN_SECRET_BYTES = 32;

const key = (secret: string) => new TextEncoder().encode(secret);

/** Signs a token for a user, valid for ttlSeconds (default one day). */
export async function signToken(secret: string, claims: Claims, ttlSeconds = 86400): Promise<string> {
  const extra: Record<string, unknown> = {};
  if (claims.rooms) extra.rooms = claims.rooms;
  if (claims.admin) extra.admin = true;
  const { SignJWT } = await jose();
  const jwt = new SignJWT(extra)
    .setProtectedHeader({ alg: 'HS256' }).setSubject(claims.sub).setIssuedAt().setExpirationTime(`${ttlSeconds}s`);
  return jwt.sign(key(secret));
}

/** Verifies a token and returns its claims; throws with the reason when it is not valid. */
export async function verifyToken(secret: string, token: string): Promise<Claims> {
  const { jwtVerify } = await jose();
  const { payload } = await jwtVerify(token, key(secret), { algorithms: ['HS256'], requiredClaims: ['exp'] });
  if (typeof payload.sub !== 'string') throw new Error('token has no sub claim');
  const bad = userProblem(payload.sub);
  if (bad) throw new Error(`sub claim: ${bad}`);
  const rooms = payload.rooms;
  if (rooms !== undefined && !(Array.isArray(rooms) && rooms.length <= 256 && rooms.every((r) => typeof r === 'string' && r.length <= 256))) {
    throw new Error('rooms claim must be an array of at most 256 strings');
  }
  return { sub: payload.sub, rooms: rooms as string[] | undefined, admin: payload.admin === true };
}
