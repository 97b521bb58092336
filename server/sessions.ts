/**
 * A session's life on this node: opened from an admitted socket (hello, presence for the user's
 * first session here), every frame handled under one guard, and on close removed from every room
 * and, for the user's last session here, from presence.
 */
import type { WebSocket } from 'ws';
import { formatOf } from '../protocol/index.js';
import type { Context } from './context.js';
import { handle } from './handlers.js';
import { leaveQuietly } from './join.js';
import { framed } from './outbox.js';
import { Session } from './session.js';

type Sock = WebSocket & { s: Session };

export class Sessions {
  private nextId = 1;
  // listener functions shared by every connection of this gateway (no closures per socket)
  private readonly onMessage: (this: WebSocket, data: Buffer, isBinary: boolean) => void;
  private readonly onClose: (this: WebSocket, code: number) => void;

  constructor(private readonly ctx: Context) {
    const sessions = this;
    this.onMessage = function (data, isBinary) {
      try {
        handle(ctx, (this as Sock).s, data, isBinary);
      } catch (err) {
        // handle() answers every bad frame itself; this is the last guard: log, answer, keep serving
        console.error(`bfg serve: internal error on a frame: ${(err as Error).stack}`);
        ctx.error((this as Sock).s, 'internal', (err as Error).message);
      }
    };
    this.onClose = function (code) {
      // application codes (3000–4999) are grouped, so a client cannot mint a label per code
      ctx.metrics.closes.inc({ code: code >= 3000 ? `${Math.floor(code / 1000)}xxx` : String(code) });
      void sessions.closed((this as Sock).s).catch(noop);
    };
  }

  /** an admitted socket becomes a session: hello, listeners, presence */
  open(socket: WebSocket, user: string, allowed: string[] | undefined): void {
    const ws = socket as Sock, ctx = this.ctx, opts = ctx.opts;
    const s = new Session(this.nextId++, ws, user, formatOf(ws.protocol), allowed);
    ws.s = s;
    ctx.metrics.connections.inc();
    ws.on('message', this.onMessage);
    ws.on('error', noop);
    ws.on('close', this.onClose);
    // presence is written for the user's first session on this node only, not per connection or beat
    if (ctx.rooms.connect(s)) void ctx.presence.online(user, opts.node).catch(noop);
    // written now, not at the end of the turn, so that it joins the 101 in the admission's corked write
    s.socket.write(framed({ op: 'hello', node: opts.node, user, heartbeatMs: opts.heartbeatMs }, s.format));
    ctx.metrics.messagesOut.inc();
  }

  /** removes a closed session from everything it was part of */
  async closed(s: Session): Promise<void> {
    const ctx = this.ctx;
    const { removed, last, done } = ctx.rooms.disconnect(s);
    if (!removed) return;
    s.closing = true;
    ctx.metrics.connections.dec();
    // an unsubscribe that fails (bus down) must not stop the rest of the clean-up
    for (const room of [...(s.rooms ?? [])]) await leaveQuietly(ctx, s, room).catch(noop);
    // the user's last session on this node: its presence entry for this node goes
    if (last) await ctx.presence.offline(s.user, ctx.opts.node).catch(noop);
    await done;
  }
}

function noop(): void {}
