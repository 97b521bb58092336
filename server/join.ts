/**
 * `join` with recovery (docs/architecture.md): subscribe and hold live messages first, read the log after
 * `after`, then send joined + backlog + held messages, de-duplicated by seq. `recovered` is true
 * only when the epoch matches and every seq from after+1 to head was sent. The replay is bounded by
 * the slow-consumer cap before it is queued: a backlog that would not fit answers `recovered: false`
 * (the client reads history over HTTP) instead of growing the process.
 */
import { dmUsers, type JoinFrame, type MsgFrame } from '../protocol/index.js';
import type { Context } from './context.js';
import { framed } from './outbox.js';
import type { Session } from './session.js';

/** Handles a join frame for a session that is allowed to join (the room is already counted in s.rooms). */
export async function join(ctx: Context, s: Session, f: JoinFrame, rejoin: boolean): Promise<void> {
  const room = f.room;
  const held = s.hold(room);
  try {
    // DM rooms arrive live through the user's inbox; joining one only recovers its log
    const first = !rejoin && !dmUsers(room) && (await ctx.rooms.add(room, s));
    const { head, epoch, lastRead = 0 } = await ctx.broker.head(room, s.user);
    if (first) ctx.rooms.startAt(room, head, epoch);
    if (!s.rooms?.has(room)) {
      // left (or closed) while the head was read, which may have created the room's epoch again
      if (ctx.hub.members(room) === 0) await ctx.broker.release(room);
      return;
    }
    let replay: Buffer[] = [];
    let recovered = true, epochOk = true;
    if (f.after !== undefined) {
      const missing = head - f.after;
      epochOk = f.epoch === undefined ? f.after === 0 : f.epoch === epoch;
      if (!epochOk || missing < 0 || missing > ctx.opts.maxRecover) recovered = false;
      else if (missing > 0) {
        const backlog = await ctx.broker.history(room, f.after, missing);
        recovered = backlog.length === missing && backlog.every((m, i) => m.seq === f.after! + 1 + i);
        replay = recovered ? bounded(ctx, s, backlog) : [];
        if (replay.length < backlog.length) recovered = false;
      }
    }
    if (s.closing) return;
    // not recovered: the history route (hot and cold tiers) has it — forwards from the client's seq, or
    // back from the head when its seqs belong to another epoch
    const path = `/rooms/${encodeURIComponent(room)}/messages?`;
    ctx.send(s, recovered ? { op: 'joined', room, head, epoch, recovered, lastRead } : { op: 'joined', room, head, epoch, recovered, history: path + (epochOk ? `after=${f.after}` : `before=${head + 1}`), lastRead });
    if (recovered) for (const b of replay) ctx.outbox.push(s, b);
    for (const m of held) if (m.seq > head) ctx.outbox.push(s, framed(m, s.format));
  } catch (err) {
    if (!rejoin) await leaveQuietly(ctx, s, room).catch(() => {});
    ctx.error(s, 'store_unavailable', `join ${room}: ${(err as Error).message}`, room);
  } finally {
    s.unhold(room, held);
  }
}

/** The backlog's frames while they fit, with what is already queued, under the slow-consumer cap; [] when not all fit. */
function bounded(ctx: Context, s: Session, backlog: readonly MsgFrame[]): Buffer[] {
  let bytes = ctx.outbox.queued(s);
  const out: Buffer[] = [];
  for (const m of backlog) {
    const b = framed(m, s.format);
    bytes += b.length;
    if (bytes > ctx.opts.slowBytes) return [];
    out.push(b);
  }
  return out;
}

/** Removes a session from a room without answering; frees the room's empty log once no local member is left. */
export async function leaveQuietly(ctx: Context, s: Session, room: string): Promise<void> {
  s.rooms?.delete(room);
  s.forget(room);
  const last = dmUsers(room) ? true : await ctx.rooms.remove(room, s);
  if (last) await ctx.broker.release(room);
}
