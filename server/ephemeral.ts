/**
 * Ephemeral events — `typing {room}` and `read {room, seq}` — from a member to the room's other
 * members, through the same bus as messages but never stored, with no seq and no ack. They pass the
 * same access rule as a send (a joined room, or a DM room of the user's), their own rate bucket (they
 * cannot starve sends), and the shedder first: they are what an overloaded node gives up before
 * anything else. Typing is coalesced per user and room (one per --typing-interval-ms); a receipt is
 * kept as the user's last read seq (joined.lastRead) and fanned out only when it moved.
 */
import { dmUsers, type ReadFrame, type TypingFrame } from '../protocol/index.js';
import { inboxTopic, type Signal } from './broker/broker.js';
import type { Context } from './context.js';
import { TokenBucket } from './limits.js';
import { SharedFrame } from './outbox.js';
import type { Session } from './session.js';
import type { ShedKind } from './shedder.js';

/** Handles a typing or read frame from a session; answers refusals itself, never throws. */
export function ephemeral(ctx: Context, s: Session, f: TypingFrame | ReadFrame): void {
  const kind = f.op;
  const dm = dmUsers(f.room);
  if (dm ? dm[0] !== s.user && dm[1] !== s.user : !s.rooms?.has(f.room)) return ctx.error(s, dm ? 'forbidden' : 'not_member', `room ${f.room}`, f.room);
  if (shed(ctx, s, kind)) return;
  s.ephemeral ??= new TokenBucket(ctx.opts.ephemeralRate, ctx.opts.ephemeralBurst);
  if (!s.ephemeral.take()) return ctx.error(s, 'rate_limited', `${kind} events: limit ${ctx.opts.ephemeralRate}/s (--ephemeral-rate)`, f.room);
  // a DM's event goes to the other user's inbox; a room's to the room
  const topics = dm ? [inboxTopic(dm[0] === s.user ? dm[1] : dm[0])] : [f.room];
  const origin = (s.origin ??= ctx.rooms.originOf(s.id));
  if (kind === 'typing') {
    if (coalesced(ctx, s, f.room, Date.now())) return void ctx.metrics.ephemeral.inc({ kind, outcome: 'coalesced' });
    ctx.metrics.ephemeral.inc({ kind, outcome: 'fanned' });
    ctx.broker.signal({ topics, origin, event: { op: 'typing', room: f.room, user: s.user, ts: Date.now() } });
    return;
  }
  const t0 = Date.now();
  ctx.broker.markRead(f.room, s.user, (f as ReadFrame).seq).then(({ before, after }) => {
    if (after <= before) return void ctx.metrics.ephemeral.inc({ kind, outcome: 'unchanged' });
    ctx.metrics.ephemeral.inc({ kind, outcome: 'fanned' });
    ctx.broker.signal({ topics, origin, event: { op: 'read', room: f.room, user: s.user, seq: after, ts: t0 } });
  }, (err: unknown) => ctx.error(s, 'store_unavailable', `read ${f.room}: ${(err as Error).message}`, f.room));
}

/**
 * true when `kind` is shed now: counted, and the connection told at most once a second (a `shed`
 * error with the room as ref), so a client sees it without an error frame per dropped event
 */
function shed(ctx: Context, s: Session, kind: ShedKind): boolean {
  if (!ctx.shedder.sheds(kind)) return false;
  ctx.metrics.shed.inc({ kind });
  const now = Date.now();
  if (now - s.shedToldAt >= 1000) {
    s.shedToldAt = now;
    ctx.error(s, 'shed', `${kind} events are shed while this node is overloaded (/health)`);
  }
  return true;
}

/** whether this typing falls within --typing-interval-ms of the user's last one in the room on this node (else it is recorded) */
function coalesced(ctx: Context, s: Session, room: string, now: number): boolean {
  const every = ctx.opts.typingIntervalMs;
  if (every === 0) return false;
  for (const x of ctx.hub.ofUser(s.user)) {
    const t = x.typedAt?.get(room);
    if (t !== undefined && now - t < every) return true;
  }
  const at = (s.typedAt ??= new Map());
  // DM rooms are never left: past the rooms a connection may join, stale marks go
  if (at.size >= ctx.opts.maxRooms * 2) for (const [r, t] of at) if (now - t >= every) at.delete(r);
  if (at.size >= ctx.opts.maxRooms * 2) at.clear();
  at.set(room, now);
  return false;
}

/**
 * An event from the bus for a topic with local recipients: written to each of them but the user who
 * made it (on any of that user's connections). Dropped whole while this node sheds its kind: the
 * fan-out is where an event costs.
 */
export function fanOutSignal(ctx: Context, topic: string, sig: Signal): void {
  const set = ctx.hub.recipients(topic);
  if (!set) return;
  const e = sig.event;
  if (ctx.shedder.sheds(e.op)) return void ctx.metrics.shed.inc({ kind: e.op });
  let shared: SharedFrame | undefined;
  let n = 0;
  for (const s of set) {
    if (s.user === e.user) continue;
    shared ??= new SharedFrame(e);
    ctx.outbox.push(s, shared.get(s.format));
    n++;
  }
  ctx.metrics.ephemeralOut.inc(n);
}
