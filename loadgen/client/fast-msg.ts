/**
 * A fast path for the one frame a load agent receives most: the gateway's JSON `msg`, whose fields
 * JSON.stringify writes in a fixed order (op, room, seq, …, meta last). Reads room, seq and meta.t
 * straight from the bytes; anything unexpected returns undefined and the caller parses in full.
 */
const PREFIX = Buffer.from('{"op":"msg","room":"');
const SEQ = Buffer.from('","seq":');
const T = Buffer.from(',"t":');

export interface FastMsg { room: string; seq: number; t: number | undefined }

function digitsAt(b: Buffer, at: number): [number, number] {
  let i = at, v = 0;
  while (i < b.length && b[i] >= 0x30 && b[i] <= 0x39) v = v * 10 + (b[i++] - 0x30);
  return [v, i];
}

/** room, seq and meta.t of a JSON msg frame, or undefined when the frame is not the plain shape */
export function fastMsg(b: Buffer): FastMsg | undefined {
  if (b.length < PREFIX.length + 10 || b.compare(PREFIX, 0, PREFIX.length, 0, PREFIX.length) !== 0) return undefined;
  const roomEnd = b.indexOf(SEQ, PREFIX.length);
  if (roomEnd < 0) return undefined;
  const room = b.toString('latin1', PREFIX.length, roomEnd);
  if (room.includes('\\') || room.includes('"')) return undefined;
  const [seq, after] = digitsAt(b, roomEnd + SEQ.length);
  if (after === roomEnd + SEQ.length || b[after] !== 0x2c) return undefined;
  // meta, when present, is the last field: …,"t":<number>}}
  let t: number | undefined;
  if (b[b.length - 1] === 0x7d && b[b.length - 2] === 0x7d) {
    const at = b.lastIndexOf(T);
    if (at > after) {
      const v = Number(b.toString('latin1', at + T.length, b.length - 2));
      if (Number.isFinite(v)) t = v;
    }
  }
  return { room, seq, t };
}
