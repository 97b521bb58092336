/** HS256 JWT tokens: claims `sub` (user id), `exp` (required), optional `rooms` patterns and `admin`. */
// jose is imported on first use: a gateway on --auth none (and every other command) never loads it
const jose = () => import('jose');
import { textProblem, userProblem } from './names.js';

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

/** How long a token may live, and how far the issuer's clock may run ahead of ours. */
export interface TokenLimits { maxLifetimeS: number; skewS: number }
const DEFAULT_LIMITS: TokenLimits = { maxLifetimeS: 86_400, skewS: 60 };

/**
 * Verifies a token and returns its claims; throws with the reason when it is not valid. A token that
 * expires further ahead than `maxLifetimeS`, or was issued (iat) or starts (nbf) in the future beyond
 * the skew, is refused: a leaked token must not be good for ever.
 */
export async function verifyToken(secret: string, token: string, limits: TokenLimits = DEFAULT_LIMITS): Promise<Claims> {
  const { jwtVerify } = await jose();
  const { payload } = await jwtVerify(token, key(secret), { algorithms: ['HS256'], requiredClaims: ['exp'], clockTolerance: limits.skewS });
  const now = Date.now() / 1000;
  if (payload.exp! - now > limits.maxLifetimeS + limits.skewS) throw new Error(`token lives ${Math.round(payload.exp! - now)} s more, past the gateway's --max-token-lifetime ${limits.maxLifetimeS} s`);
  if (payload.iat !== undefined && payload.iat > now + limits.skewS) throw new Error('token is issued in the future (iat)');
  if (payload.nbf !== undefined && payload.nbf > now + limits.skewS) throw new Error('token is not valid yet (nbf)');
  if (typeof payload.sub !== 'string') throw new Error('token has no sub claim');
  const bad = userProblem(payload.sub);
  if (bad) throw new Error(`sub claim: ${bad}`);
  const rooms = payload.rooms;
  if (rooms !== undefined && !(Array.isArray(rooms) && rooms.length <= 256 && rooms.every((r) => typeof r === 'string' && r.length <= 256))) {
    throw new Error('rooms claim must be an array of at most 256 strings');
  }
  const badPattern = (rooms as string[] | undefined)?.map((r) => textProblem(r, 'a rooms pattern')).find(Boolean);
  if (badPattern) throw new Error(`rooms claim: ${badPattern}`);
  return { sub: payload.sub, rooms: rooms as string[] | undefined, admin: payload.admin === true };
}
