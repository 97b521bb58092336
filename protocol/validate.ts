/**
 * Validation of client frames. Written by hand rather than with a schema library because it runs
 * once per received frame on the gateway's hot path and must never throw.
 */
import type { ClientFrame } from './frames.js';

export const LIMITS = Object.freeze({ roomChars: 200, idChars: 128, userChars: 128, presenceUsers: 1000 });

type Obj = Record<string, unknown>;
export type Check = { ok: true; frame: ClientFrame } | { ok: false; code: 'bad_frame' | 'unknown_op'; message: string; ref?: string };

const bad = (message: string, ref?: unknown): Check =>
  ({ ok: false, code: 'bad_frame', message, ref: typeof ref === 'string' ? ref : undefined });

function str(o: Obj, key: string, max: number): string | undefined {
  const v = o[key];
  if (typeof v !== 'string') return `field "${key}" must be a string`;
  if (v.length === 0 || v.length > max) return `field "${key}" must have 1..${max} characters`;
  return undefined;
}

function body(o: Obj): string | undefined {
  const v = o.body;
  if (typeof v === 'string' || v instanceof Uint8Array) return undefined;
  return 'field "body" must be a string or bytes';
}

function meta(o: Obj): string | undefined {
  const v = o.meta;
  if (v === undefined) return undefined;
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) ? undefined : 'field "meta" must be an object';
}

function seqLike(o: Obj, key: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  return Number.isSafeInteger(v) && (v as number) >= 0 ? undefined : `field "${key}" must be a non-negative integer`;
}

/** Checks a decoded value is a valid client frame; never throws. */
export function validateClientFrame(v: unknown): Check {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) return bad('a frame must be an object with an "op" field');
  const o = v as Obj;
  let problem: string | undefined;
  switch (o.op) {
    case 'join':
      problem = str(o, 'room', LIMITS.roomChars) ?? seqLike(o, 'after')
        ?? (o.epoch === undefined || typeof o.epoch === 'string' ? undefined : 'field "epoch" must be a string');
      break;
    case 'leave':
      problem = str(o, 'room', LIMITS.roomChars);
      break;
    case 'send':
      problem = str(o, 'room', LIMITS.roomChars) ?? str(o, 'id', LIMITS.idChars) ?? body(o) ?? meta(o);
      break;
    case 'dm':
      problem = str(o, 'to', LIMITS.userChars) ?? str(o, 'id', LIMITS.idChars) ?? body(o) ?? meta(o);
      break;
    case 'presence':
      problem = Array.isArray(o.users) && o.users.length <= LIMITS.presenceUsers && o.users.every((u) => typeof u === 'string')
        ? undefined : `field "users" must be an array of at most ${LIMITS.presenceUsers} strings`;
      break;
    case undefined:
      return bad('a frame must have an "op" field');
    default:
      return { ok: false, code: 'unknown_op', message: `unknown op ${JSON.stringify(String(o.op)).slice(0, 40)}`, ref: typeof o.id === 'string' ? o.id : undefined };
  }
  return problem ? bad(problem, o.id) : { ok: true, frame: o as unknown as ClientFrame };
}
