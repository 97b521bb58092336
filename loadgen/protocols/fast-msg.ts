/**
 * A fast path for the one frame a load agent receives most: the gateway's JSON `msg`, whose fields
 * JSON.stringify writes in a fixed order (op, room, seq, …, meta last). Reads room, seq and meta.t
 * straight from the bytes, without allocating when the room is the one expected; anything
 * unexpected returns undefined and the caller parses the frame in full.
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
  let t: number | undefined, intended: number | undefined;
  if (b[n - 1] === 0x7d && b[n - 2] === 0x7d) {
    let k = n - 3;
    while (k > at && ((b[k] >= 0x30 && b[k] <= 0x39) || b[k] === 0x2e || b[k] === 0x65 || b[k] === 0x2b || b[k] === 0x2d)) k--;
    // b[k-4..k] must be ,"t":
    if (b[k] === 0x3a && b[k - 1] === 0x22 && b[k - 2] === 0x74 && b[k - 3] === 0x22 && (b[k - 4] === 0x2c || b[k - 4] === 0x7b)) {
      t = decimal(b, k + 1, n - 2);
      if (b[k - 4] === 0x2c) {
        let q = k - 5;
        while (q > at && ((b[q] >= 0x30 && b[q] <= 0x39) || b[q] === 0x2e || b[q] === 0x65 || b[q] === 0x2b || b[q] === 0x2d)) q--;
        if (b[q] === 0x3a && b[q - 1] === 0x22 && b[q - 2] === 0x69 && b[q - 3] === 0x22) intended = decimal(b, q + 1, k - 4);
      }
    }
  }
  reused.room = room;
  reused.seq = seq;
  reused.t = t;
  reused.i = intended;
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
