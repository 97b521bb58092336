/**
 * Validation of client frames. Written by hand rather than with a schema library because it runs
 * once per received frame on the gateway's hot path and must never throw.
 */
import type { ClientFrame } from './frames.js';
import { NAME_LIMITS, roomProblem, userProblem } from './names.js';

export const LIMITS = Object.freeze({
  ...NAME_LIMITS, idChars: 128, presenceUsers: 100,
  /** users one message may name in meta.mentions (each may get an offline notification) */
  mentions: 50,
  /** meta: nesting depth and number of values, so no meta can exhaust a stack or a later encoder */
  metaDepth: 8, metaValues: 1000,
});

type Obj = Record<string, unknown>;
/** A checked frame; `bytes` is what counts against maxBody (body + meta as JSON) for send and dm. */
export type Check = { ok: true; frame: ClientFrame; bytes: number } | { ok: false; code: 'bad_frame' | 'unknown_op'; message: string; ref?: string };

const bad = (message: string, ref?: unknown): Check =>
  ({ ok: false, code: 'bad_frame', message, ref: typeof ref === 'string' ? ref : undefined });

function str(o: Obj, key: string, max: number): string | undefined {
  const v = o[key];
  if (typeof v !== 'string') return `field "${key}" must be a string`;
  if (v.length === 0 || v.length > max) return `field "${key}" must have 1..${max} characters`;
  return undefined;
}

function room(o: Obj): string | undefined {
  const p = str(o, 'room', LIMITS.roomChars);
  if (p) return p;
  const why = roomProblem(o.room as string);
  return why && `field "room": ${why}`;
}

function user(o: Obj, key: string): string | undefined {
  const p = str(o, key, LIMITS.userChars);
  if (p) return p;
  const why = userProblem(o[key] as string);
  return why && `field "${key}": ${why}`;
}

// C0 controls other than tab, newline and carriage return: JSON writes each as six bytes (\u0001), so
// a body of them would be sent (history, JSON frames) at six times the bytes --max-body counted
// eslint-disable-next-line no-control-regex
const ESCAPED_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

function body(o: Obj): string | undefined {
  const v = o.body;
  if (v instanceof Uint8Array) return undefined;
  if (typeof v !== 'string') return 'field "body" must be a string or bytes';
  // what is counted against --max-body is then what is sent, within a factor of two (\" \\ \n \t \r)
  if (ESCAPED_CONTROL.test(v)) return 'field "body" must not contain control characters other than tab, newline and carriage return (send them as bytes)';
  if (!v.isWellFormed()) return 'field "body" must be well-formed Unicode (a lone surrogate is sent as six bytes)';
  return undefined;
}

/**
 * Checks meta is plain JSON data — objects, arrays, strings, finite numbers, booleans, null — at
 * most metaDepth deep and metaValues values. BigInt, bytes, dates, NaN and the like are refused
 * here, at the edge, so that nothing stored can later fail to encode in JSON or msgpack.
 */
function metaProblem(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) return 'field "meta" must be an object';
  let values = 0;
  const walk = (x: unknown, depth: number): string | undefined => {
    if (++values > LIMITS.metaValues) return `field "meta" must hold at most ${LIMITS.metaValues} values`;
    switch (typeof x) {
      case 'string': case 'boolean': return undefined;
      case 'number': return Number.isFinite(x) ? undefined : 'field "meta": numbers must be finite';
      case 'object': {
        if (x === null) return undefined;
        if (depth >= LIMITS.metaDepth) return `field "meta" must be at most ${LIMITS.metaDepth} levels deep`;
        if (Array.isArray(x)) {
          for (const e of x) { const p = walk(e, depth + 1); if (p) return p; }
          return undefined;
        }
        const proto = Object.getPrototypeOf(x);
        if (proto !== Object.prototype && proto !== null) return 'field "meta" may hold only JSON values (objects, arrays, strings, finite numbers, booleans, null)';
        for (const k in x) { const p = walk((x as Obj)[k], depth + 1); if (p) return p; }
        return undefined;
      }
      default: return `field "meta" may hold only JSON values, not ${typeof x}`;
    }
  };
  return walk(v, 0);
}

/** meta.mentions, when present, names users: an array of at most LIMITS.mentions valid user ids */
function mentionsProblem(meta: unknown): string | undefined {
  const m = (meta as Obj).mentions;
  if (m === undefined) return undefined;
  if (!Array.isArray(m) || m.length > LIMITS.mentions || m.some((u) => typeof u !== 'string' || userProblem(u))) {
    return `field "meta.mentions" must be an array of at most ${LIMITS.mentions} valid user ids`;
  }
  return undefined;
}

function seqLike(o: Obj, key: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  return Number.isSafeInteger(v) && (v as number) >= 0 ? undefined : `field "${key}" must be a non-negative integer`;
}

function users(o: Obj): string | undefined {
  const v = o.users;
  if (!Array.isArray(v) || v.length > LIMITS.presenceUsers) return `field "users" must be an array of at most ${LIMITS.presenceUsers} user ids`;
  for (const u of v) if (typeof u !== 'string' || userProblem(u)) return 'field "users" must hold valid user ids';
  return undefined;
}

/** Bytes that count against maxBody: the body plus meta as JSON. */
function payloadBytes(o: Obj): number {
  const b = o.body as string | Uint8Array;
  const n = typeof b === 'string' ? Buffer.byteLength(b) : b.length;
  return o.meta === undefined ? n : n + Buffer.byteLength(JSON.stringify(o.meta));
}

/** Checks a decoded value is a valid client frame; never throws. */
export function validateClientFrame(v: unknown): Check {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) return bad('a frame must be an object with an "op" field');
  const o = v as Obj;
  let problem: string | undefined;
  switch (o.op) {
    case 'join':
      problem = room(o) ?? seqLike(o, 'after')
        ?? (o.epoch === undefined || (typeof o.epoch === 'string' && o.epoch.length <= 64) ? undefined : 'field "epoch" must be a string of at most 64 characters');
      break;
    case 'leave':
      problem = room(o);
      break;
    case 'send':
      problem = room(o) ?? str(o, 'id', LIMITS.idChars) ?? body(o) ?? (o.meta === undefined ? undefined : metaProblem(o.meta) ?? mentionsProblem(o.meta));
      break;
    case 'dm':
      problem = user(o, 'to') ?? str(o, 'id', LIMITS.idChars) ?? body(o) ?? (o.meta === undefined ? undefined : metaProblem(o.meta));
      break;
    case 'presence':
      problem = users(o);
      break;
    case 'typing':
      problem = room(o);
      break;
    case 'read':
      problem = room(o) ?? (o.seq === undefined ? 'field "seq" is required' : seqLike(o, 'seq'));
      break;
    case undefined:
      return bad('a frame must have an "op" field');
    default:
      return { ok: false, code: 'unknown_op', message: `unknown op ${typeof o.op === 'string' ? JSON.stringify(o.op.slice(0, 40)) : `of type ${typeof o.op}`}`, ref: typeof o.id === 'string' ? o.id : undefined };
  }
  if (problem) return bad(problem, o.id);
  return { ok: true, frame: o as unknown as ClientFrame, bytes: o.op === 'send' || o.op === 'dm' ? payloadBytes(o) : 0 };
}
