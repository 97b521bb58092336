/**
 * Names on the wire: user ids, room names, DM rooms and `rooms` claim patterns. One set of rules for
 * every path (join, send, dm, HTTP history, tokens), so that a DM room name is unambiguous and an
 * inbox topic (`@user`) can never be named as a room.
 */

export const NAME_LIMITS = Object.freeze({ roomChars: 200, userChars: 128 });

// control characters (C0, DEL, C1) have no place in a name: they break logs, keys and headers
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

// bidi controls and zero-width characters: two names that look the same must not be two names
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;

/**
 * Why a name is not one well-defined string, or undefined: well-formed Unicode (a lone surrogate is
 * stored as U+FFFD by Redis and would merge two names), normal form NFC (so a name is spelled one
 * way), no control, bidi-control or zero-width characters. The same rule in every store.
 */
export function textProblem(s: string, what: string): string | undefined {
  if (CONTROL.test(s)) return `${what} must not contain control characters`;
  if (!s.isWellFormed()) return `${what} must be well-formed Unicode (no lone surrogates)`;
  if (INVISIBLE.test(s)) return `${what} must not contain bidi controls or zero-width characters`;
  if (s.normalize('NFC') !== s) return `${what} must be in Unicode normal form NFC`;
  return undefined;
}

/** Why a user id is invalid, or undefined when it is valid (1..128 chars, no `:`, one spelling: textProblem). */
export function userProblem(user: string): string | undefined {
  if (user.length === 0 || user.length > NAME_LIMITS.userChars) return `a user id must have 1..${NAME_LIMITS.userChars} characters`;
  if (user.includes(':')) return 'a user id must not contain ":" (it separates the users of a DM room)';
  return textProblem(user, 'a user id');
}

/** Why a room name is invalid, or undefined. A `dm:` room must be exactly `dm:<a>:<b>` with valid, sorted ids. */
export function roomProblem(room: string): string | undefined {
  if (room.length === 0 || room.length > NAME_LIMITS.roomChars) return `a room name must have 1..${NAME_LIMITS.roomChars} characters`;
  if (room.charCodeAt(0) === 64 /* @ */) return 'a room name must not start with "@" (that names a user\'s DM inbox, which is not a room)';
  const text = textProblem(room, 'a room name');
  if (text) return text;
  if (room.startsWith('dm:')) {
    const parts = room.slice(3).split(':');
    if (parts.length !== 2 || userProblem(parts[0]) || userProblem(parts[1])) return 'a DM room must be dm:<user>:<user> with two valid user ids';
    if (parts[0] > parts[1]) return `a DM room names its users in sorted order: ${dmRoom(parts[0], parts[1])}`;
  }
  return undefined;
}

/** The room of a DM between two users: `dm:<a>:<b>` with the ids sorted (ids never contain `:`). */
export function dmRoom(a: string, b: string): string {
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

/** The two users of a DM room, or undefined when the room is not a (well-formed) DM room. */
export function dmUsers(room: string): [string, string] | undefined {
  if (!room.startsWith('dm:')) return undefined;
  const parts = room.slice(3).split(':');
  return parts.length === 2 ? [parts[0], parts[1]] : undefined;
}

/**
 * True when `text` matches a pattern in which `*` matches any run of characters and every other
 * character is literal. Greedy with one backtrack point (the last `*`): O(pattern × text) at worst,
 * never exponential, unlike a regular expression built from the pattern.
 */
export function globMatch(pattern: string, text: string): boolean {
  return globSteps(pattern, text) > 0;
}

/**
 * The matcher itself: the comparisons it made plus one, positive when `text` matches and negative
 * when not, so a test can hold its work to the O(pattern × text) bound without a clock.
 */
export function globSteps(pattern: string, text: string): number {
  let p = 0, t = 0, star = -1, mark = 0, steps = 1;
  while (t < text.length) {
    steps++;
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.length && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return -steps;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length ? steps : -steps;
}

/** True when a room matches one of the patterns (no patterns: every room). */
export function roomAllowed(patterns: readonly string[] | undefined, room: string): boolean {
  if (!patterns) return true;
  for (const p of patterns) if (globMatch(p, room)) return true;
  return false;
}

/**
 * The one access rule of every read path (WebSocket join, HTTP history): a DM room only for its two
 * users; any other room when the token's `rooms` patterns allow it. Inbox topics are not rooms at all.
 */
export function mayRead(user: string, patterns: readonly string[] | undefined, room: string): boolean {
  if (roomProblem(room)) return false;
  const dm = dmUsers(room);
  return dm ? dm[0] === user || dm[1] === user : roomAllowed(patterns, room);
}
