/** Client op handlers: every frame is decoded and validated once, then dispatched here. */
import {
  BfgError, decodeClientFrame, dmRoom, mayRead,
  type Body, type DmFrame, type Meta, type PresenceFrame, type SendFrame,
} from '../protocol/index.js';
import { inboxTopic } from './broker/broker.js';
import type { Context } from './context.js';
import { ephemeral } from './ephemeral.js';
import { TokenBucket } from './limits.js';
import { join, leaveQuietly } from './join.js';
import type { Session } from './session.js';

/** Handles one received WebSocket message; never throws, answers bad input with an error frame. */
export function handle(ctx: Context, s: Session, data: Buffer, isBinary: boolean): void {
  ctx.metrics.messagesIn.inc();
  const r = decodeClientFrame(data, isBinary, s.format);
  if (!r.ok) return ctx.error(s, r.code, r.message, r.ref);
  const f = r.frame;
  switch (f.op) {
    case 'join': {
      // the same rule as HTTP history: DM rooms for their two users, other rooms by the token's patterns
      if (!mayRead(s.user, s.allowed, f.room)) return ctx.error(s, 'forbidden', `room ${f.room}`, f.room);
      const rejoin = s.rooms?.has(f.room) ?? false;
      if (!rejoin && s.roomCount() >= ctx.opts.maxRooms) return ctx.error(s, 'too_many_rooms', `limit ${ctx.opts.maxRooms}`, f.room);
      if (!rejoin && userRooms(ctx, s.user) >= ctx.opts.maxRoomsPerUser) {
        ctx.metrics.rejected.inc({ reason: 'rooms_per_user' });
        return ctx.error(s, 'too_many_rooms', `limit ${ctx.opts.maxRoomsPerUser} across this user's connections (--max-rooms-per-user)`, f.room);
      }
      // a join replays history: it costs a token like a message
      if (!take(ctx, s, f.room)) return;
      // counted now, before any await, so a burst of joins cannot pass maxRooms
      (s.rooms ??= new Set()).add(f.room);
      void join(ctx, s, f, rejoin);
      return;
    }
    case 'leave':
      if (!s.rooms?.has(f.room)) return ctx.error(s, 'not_member', `room ${f.room}`, f.room);
      // the member is gone locally even if the bus unsubscribe fails
      void leaveQuietly(ctx, s, f.room).catch(() => {}).then(() => ctx.send(s, { op: 'left', room: f.room }));
      return;
    case 'send':
      if (!s.rooms?.has(f.room)) return ctx.error(s, 'not_member', `room ${f.room}`, f.id);
      if (admit(ctx, s, f, r.bytes)) publish(ctx, s, f.room, [f.room], f.id, f.body, f.meta, r.bytes, notifyOf(ctx, s, f.meta?.mentions));
      return;
    case 'dm':
      if (admit(ctx, s, f, r.bytes)) publish(ctx, s, dmRoom(s.user, f.to), f.to === s.user ? [inboxTopic(f.to)] : [inboxTopic(f.to), inboxTopic(s.user)], f.id, f.body, f.meta, r.bytes, notifyOf(ctx, s, [f.to]));
      return;
    case 'presence':
      if (take(ctx, s)) void presence(ctx, s, f);
      return;
    case 'typing': case 'read':
      ephemeral(ctx, s, f);
      return;
  }
}

/** With --notify: the users a message names (a DM's recipient, validated meta.mentions) but its sender, each once. */
function notifyOf(ctx: Context, s: Session, users: unknown): string[] | undefined {
  if (ctx.opts.notify === 'none' || !Array.isArray(users)) return undefined;
  const out = [...new Set(users as string[])].filter((u) => u !== s.user);
  return out.length ? out : undefined;
}

/** Takes one token from the connection's rate limit; answers rate_limited itself when none is left. */
function take(ctx: Context, s: Session, ref?: string): boolean {
  s.bucket ??= new TokenBucket(ctx.opts.msgRate, ctx.opts.msgBurst);
  if (s.bucket.take()) return true;
  ctx.error(s, 'rate_limited', `limit ${ctx.opts.msgRate}/s`, ref);
  return false;
}

/** Size (body + meta) and rate limits of a send or dm; answers the error itself when refused. */
function admit(ctx: Context, s: Session, f: SendFrame | DmFrame, bytes: number): boolean {
  if (bytes > ctx.opts.maxBody) {
    ctx.error(s, 'too_large', `body + meta ${bytes} bytes > maxBody ${ctx.opts.maxBody}`, f.id);
    return false;
  }
  return take(ctx, s, f.id);
}

/**
 * The data path: the broker stores (seq assigned; a retried id is stored once), the ack goes out, then
 * the broker publishes. `topics` are distinct (a DM to oneself has one inbox). The embedded broker
 * does it all before returning; others answer through their promise.
 */
function publish(ctx: Context, s: Session, room: string, topics: string[], id: string, body: Body, meta: Meta | undefined, bytes: number, notify?: string[]): void {
  try {
    const later = ctx.broker.publish({ room, id, from: s.user, body, meta, topics, origin: (s.origin ??= ctx.rooms.originOf(s.id)), t0: Date.now(), bytes, ...(notify ? { notify } : {}) },
      (a) => {
        if (ctx.broker.healsFromStore && topics[0] === room) s.acked(room, a.msg.seq);
        ctx.send(s, { op: 'ack', id, seq: a.msg.seq });
      });
    if (later) later.catch((err: unknown) => refused(ctx, s, id, err));
  } catch (err) {
    refused(ctx, s, id, err);
  }
}

/** store_unavailable: nothing stored; bus_unavailable: already acked and stored, members recover it through join after= */
function refused(ctx: Context, s: Session, id: string, err: unknown): void {
  const e = err instanceof BfgError ? err : new BfgError('store_unavailable', (err as Error).message);
  ctx.error(s, e.code, e.detail, id);
}

async function presence(ctx: Context, s: Session, f: PresenceFrame): Promise<void> {
  try {
    ctx.send(s, { op: 'presence', online: await ctx.presence.where(f.users) });
  } catch (err) {
    ctx.error(s, 'store_unavailable', `presence: ${(err as Error).message}`);
  }
}

/** one user's room memberships across its connections on this node (at most maxConnectionsPerUser of them) */
function userRooms(ctx: Context, user: string): number {
  let n = 0;
  for (const x of ctx.hub.ofUser(user)) n += x.roomCount();
  return n;
}
