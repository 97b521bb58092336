/**
 * `join` with recovery (DESIGN.md): subscribe and hold live messages first, read the log after
 * `after`, then send joined + backlog + held messages, de-duplicated by seq. `recovered` is true
 * only when the epoch matches and every seq from after+1 to head was sent.
 */
import { dmUsers, type JoinFrame, type MsgFrame } from '../protocol/index.js';
import type { Context } from './context.js';
import { framed } from './frame.js';
import type { Session } from './session.js';

/** Handles a join frame for a session that is allowed to join. */
export async function join(ctx: Context, s: Session, f: JoinFrame): Promise<void> {
  const room = f.room;
  const held: MsgFrame[] = [];
  (s.pending ??= new Map()).set(room, held);
  const rejoin = s.rooms?.has(room) ?? false;
  try {
    // DM rooms arrive live through the user's inbox; joining one only recovers its log
    const first = !rejoin && !dmUsers(room) && (await ctx.rooms.add(room, s));
    (s.rooms ??= new Set()).add(room);
    const { head, epoch } = await ctx.store.head(room);
    if (first) ctx.rooms.startAt(room, head);
    let backlog: MsgFrame[] = [];
    let recovered = true;
    if (f.after !== undefined) {
      const missing = head - f.after;
      const epochOk = f.epoch === undefined ? f.after === 0 : f.epoch === epoch;
      if (!epochOk || missing < 0 || missing > ctx.opts.maxRecover) recovered = false;
      else if (missing > 0) {
        backlog = await ctx.store.range(room, f.after, missing);
        recovered = backlog.length === missing && backlog.every((m, i) => m.seq === f.after! + 1 + i);
        if (!recovered) backlog = [];
      }
    }
    ctx.send(s, { op: 'joined', room, head, epoch, recovered });
    for (const m of backlog) ctx.outbox.push(s, framed(m, s.format));
    for (const m of held) if (m.seq > head) ctx.outbox.push(s, framed(m, s.format));
  } catch (err) {
    if (!rejoin) await leaveQuietly(ctx, s, room).catch(() => {});
    ctx.error(s, 'store_unavailable', `join ${room}: ${(err as Error).message}`, room);
  } finally {
    // a second join of the same room may have replaced this one's holding list
    if (s.pending?.get(room) === held) s.pending.delete(room);
    if (s.pending?.size === 0) s.pending = null;
  }
}

/** Removes a session from a room without answering. */
export async function leaveQuietly(ctx: Context, s: Session, room: string): Promise<void> {
  s.rooms?.delete(room);
  if (!dmUsers(room)) await ctx.rooms.remove(room, s);
}
