/**
 * A fast path for the one frame a load agent receives most: the gateway's `msg`. In JSON its fields
 * come in a fixed order (JSON.stringify: op, room, seq, …, meta last); in Protocol Buffers
 * (bfg.v1.proto) in field-number order (protobufjs), meta as its JSON text last. Reads room, seq,
 * meta.i and meta.t straight from the bytes, without allocating when the room is the one expected;
 * anything unexpected returns undefined and the caller decodes the frame in full.
 */
const PREFIX = Buffer.from('{"op":"msg","room":"');
const SEQ = Buffer.from('","seq":');
const P = PREFIX.length;

export interface FastMsg { room: string; seq: number; t: number | undefined; i: number | undefined }

const reused: FastMsg = { room: '', seq: 0, t: undefined, i: undefined };

/** room, seq, meta.t and meta.i of a JSON msg frame, or undefined when the frame is not the plain shape */
export function fastMsg(b: Buffer, expectedRoom: string): FastMsg | undefined {
  const n = b.length;
  if (n < P + 12) return undefined;
  for (let i = 0; i < P; i++) if (b[i] !== PREFIX[i]) return undefined;
  // room: the expected one compared in place, else decoded
  let at = P, room = expectedRoom;
  let same = n > P + expectedRoom.length;
  for (let i = 0; same && i < expectedRoom.length; i++) if (b[P + i] !== expectedRoom.charCodeAt(i)) same = false;
  if (same && b[P + expectedRoom.length] === 0x22) at = P + expectedRoom.length;
  else {
    const end = b.indexOf(SEQ, P);
    if (end < 0) return undefined;
    room = b.toString('latin1', P, end);
    if (room.includes('\\')) return undefined;
    at = end;
  }
  for (let i = 0; i < SEQ.length; i++) if (b[at + i] !== SEQ[i]) return undefined;
  at += SEQ.length;
  let seq = 0;
  const d0 = at;
  while (at < n && b[at] >= 0x30 && b[at] <= 0x39) seq = seq * 10 + (b[at++] - 0x30);
  if (at === d0 || b[at] !== 0x2c) return undefined;
  // meta, when present, is the last field, t its last key and i the one before: …"i":<number>,"t":<number>}}
  if (b[n - 1] === 0x7d && b[n - 2] === 0x7d) stampTail(b, at, n - 2);
  else reused.t = reused.i = undefined;
  reused.room = room;
  reused.seq = seq;
  return reused;
}

/** a byte of a JSON number (digit, `.`, `e`, `+`, `-`) */
const num = (c: number): boolean => (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x2b || c === 0x2d;

/** meta.t and meta.i from a stamp's JSON whose closing brace is at `close` (…"i":<n>,"t":<n>}), into `reused` */
function stampTail(b: Buffer, from: number, close: number): void {
  let t: number | undefined, intended: number | undefined;
  let k = close - 1;
  while (k > from && num(b[k])) k--;
  // b[k-4..k] must be ,"t": (or {"t":)
  if (b[k] === 0x3a && b[k - 1] === 0x22 && b[k - 2] === 0x74 && b[k - 3] === 0x22 && (b[k - 4] === 0x2c || b[k - 4] === 0x7b)) {
    t = decimal(b, k + 1, close);
    if (b[k - 4] === 0x2c) {
      let q = k - 5;
      while (q > from && num(b[q])) q--;
      if (b[q] === 0x3a && b[q - 1] === 0x22 && b[q - 2] === 0x69 && b[q - 3] === 0x22) intended = decimal(b, q + 1, k - 4);
    }
  }
  reused.t = t;
  reused.i = intended;
}

/** where the last varint read ended (a module variable, so reading one allocates nothing) */
let vEnd = 0;
/** a varint at b[at] (up to 2^53), setting vEnd; -1 past the buffer or too long */
function varint(b: Buffer, at: number): number {
  let v = 0, mul = 1;
  for (let i = at; i < b.length && i < at + 8; i++) {
    v += (b[i] & 0x7f) * mul;
    if ((b[i] & 0x80) === 0) {
      vEnd = i + 1;
      return v;
    }
    mul *= 128;
  }
  return -1;
}

/** room, seq, meta.i and meta.t of a bfg.v1.proto Frame holding a msg (field 17), or undefined when it is not that plain shape */
export function fastProtoMsg(b: Buffer, expectedRoom: string): FastMsg | undefined {
  // Frame.msg: field 17, length-delimited (0x8a 0x01), then the Msg's length
  if (b.length < 8 || b[0] !== 0x8a || b[1] !== 0x01) return undefined;
  const len = varint(b, 2);
  if (len < 0 || vEnd + len !== b.length) return undefined;
  let at = vEnd, room: string | undefined, seq = 0, metaFrom = -1, metaEnd = -1;
  while (at < b.length) {
    const tag = b[at++];
    // Msg's fields are 1..7: one-byte tags; anything else is not the plain shape
    if (tag & 0x80) return undefined;
    const field = tag >> 3, wire = tag & 7;
    const v = varint(b, at);
    if (v < 0) return undefined;
    at = vEnd;
    if (wire === 0) {
      if (field === 2) seq = v;
      continue;
    }
    if (wire !== 2 || at + v > b.length) return undefined;
    if (field === 1) {
      // the expected room compared in place (an ASCII name), else decoded
      let same = v === expectedRoom.length;
      for (let i = 0; same && i < v; i++) if (b[at + i] !== expectedRoom.charCodeAt(i)) same = false;
      room = same ? expectedRoom : b.toString('utf8', at, at + v);
    } else if (field === 7) {
      metaFrom = at;
      metaEnd = at + v;
    }
    at += v;
  }
  if (room === undefined || seq === 0) return undefined;
  reused.room = room;
  reused.seq = seq;
  if (metaEnd > metaFrom + 1 && b[metaEnd - 1] === 0x7d) stampTail(b, metaFrom, metaEnd - 1);
  else reused.t = reused.i = undefined;
  return reused;
}

/**
 * A plain decimal (digits, optional fraction) read from bytes. Exact while the integer of its digits
 * is a safe integer (an epoch-ms stamp with µs, 16 digits, is): one division by a power of ten then
 * rounds correctly, as Number() does. Longer ones, and anything else, go through Number().
 */
function decimal(b: Buffer, from: number, to: number): number | undefined {
  let v = 0, i = from, scale = 0;
  for (; i < to; i++) {
    const c = b[i];
    if (c >= 0x30 && c <= 0x39) {
      v = v * 10 + (c - 0x30);
      if (scale) scale *= 10;
    } else if (c === 0x2e && !scale) scale = 1;
    else break;
  }
  if (i === to && i > from && v <= Number.MAX_SAFE_INTEGER) return scale ? v / scale : v;
  const x = Number(b.toString('latin1', from, to));
  return Number.isFinite(x) ? x : undefined;
}

const TYPING = Buffer.from('{"op":"typing","room":"');
const READ = Buffer.from('{"op":"read","room":"');
const TS = Buffer.from(',"ts":');

/** kind and ts of a JSON typing or read event (ts its last field, as the gateway writes it), or undefined */
export function fastEphemeral(b: Buffer): { kind: 'typing' | 'read'; ts: number } | undefined {
  const kind = startsWith(b, TYPING) ? 'typing' : startsWith(b, READ) ? 'read' : undefined;
  if (!kind || b[b.length - 1] !== 0x7d) return undefined;
  const at = b.lastIndexOf(TS);
  if (at < 0) return undefined;
  let ts = 0;
  for (let i = at + TS.length; i < b.length - 1; i++) {
    const c = b[i];
    if (c < 0x30 || c > 0x39) return undefined;
    ts = ts * 10 + (c - 0x30);
  }
  return { kind, ts };
}

function startsWith(b: Buffer, p: Buffer): boolean {
  if (b.length < p.length) return false;
  for (let i = 0; i < p.length; i++) if (b[i] !== p[i]) return false;
  return true;
}
