/** One client connection: identity, joined rooms, limits, and its queue of outbound frames. */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Format, MsgFrame } from '../protocol/index.js';
import type { TokenBucket } from './limits.js';
import type { Writer } from './socket-write.js';

/** own acked seqs remembered per connection, all rooms together: a heal's gap holds at most what was sent
 * during a bus outage, which the send rate limit (msgRate) keeps to a few hundred per connection */
export const MINE_MAX = 512;

export class Session implements Writer {
  /** rooms this connection joined (null until the first join, to keep idle sessions small) */
  rooms: Set<string> | null = null;
  /** the one hold buffer: live messages held per room while that room's history is read for this session (join, heal) */
  holds: Map<string, MsgFrame[]> | null = null;
  /** per room, seqs of this connection's own acked messages (the newest MINE_MAX): a heal, which reads
   * the gap from the store where messages carry no origin, skips them as live delivery skips the sender */
  mine: { byRoom: Map<string, Set<number>>; order: string[] } | null = null;
  bucket: TokenBucket | null = null;
  /** typing and read events' own rate limit */
  ephemeral: TokenBucket | null = null;
  /** per room, when this connection's last typing was fanned out (coalescing) */
  typedAt: Map<string, number> | null = null;
  /** when this connection was last told a `shed` error (at most one a second) */
  shedToldAt = 0;
  /** frames queued this event-loop turn (one without an array), written together by the outbox */
  out: Buffer | Buffer[] | null = null;
  /** this connection in message origins, made at its first send */
  origin: string | null = null;
  closing = false;
  /** for heartbeats: bytes read by the last sweep (a pong or any frame moves it; no listener per socket) */
  lastRead = -1;
  /** for the drain-time limit: bytes the outbox and the sweeper handed to the socket, how many of them
   * the kernel had taken at the last sweep, and since when none moved */
  sent = 0;
  /** direct writes libuv still holds for the socket (socket-write.ts) */
  inLibuv = 0;
  lastAccepted = 0;
  stalledSince = 0;

  /** the TCP socket under the WebSocket (ws keeps it as `_socket` for the connection's life; frames are written to it directly) */
  readonly socket: Socket;

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    readonly user: string,
    readonly format: Format,
    readonly allowed: readonly string[] | undefined,
  ) {
    this.socket = (ws as unknown as { _socket: Socket })._socket;
  }

  /** starts holding a room's live messages (while its history is read for this session); returns the hold buffer */
  hold(room: string): MsgFrame[] {
    const held: MsgFrame[] = [];
    (this.holds ??= new Map()).set(room, held);
    return held;
  }

  /** stops holding a room, unless a later hold of the same room replaced this one */
  unhold(room: string, held: MsgFrame[]): void {
    if (this.holds?.get(room) === held) this.holds.delete(room);
    if (this.holds?.size === 0) this.holds = null;
  }

  /** remembers an acked message of this connection; MINE_MAX in all, the oldest forgotten first */
  acked(room: string, seq: number): void {
    const mine = (this.mine ??= { byRoom: new Map<string, Set<number>>(), order: [] as string[] });
    let set = mine.byRoom.get(room);
    if (!set) mine.byRoom.set(room, (set = new Set<number>()));
    set.add(seq);
    mine.order.push(room);
    if (mine.order.length > MINE_MAX) {
      const old = mine.order.shift() as string;
      const oldSet = mine.byRoom.get(old);
      // a set's first value is its oldest: seqs are added in ack order
      if (oldSet) oldSet.delete(oldSet.values().next().value as number);
    }
  }

  /** true when `seq` of `room` was sent by this connection (as far as it remembers) */
  sentHere(room: string, seq: number): boolean {
    return this.mine?.byRoom.get(room)?.has(seq) ?? false;
  }

  /** forgets a room left */
  forget(room: string): void {
    this.typedAt?.delete(room);
    if (!this.mine?.byRoom.delete(room)) return;
    this.mine.order = this.mine.order.filter((r) => r !== room);
    if (this.mine.order.length === 0) this.mine = null;
  }

  roomCount(): number {
    return this.rooms ? this.rooms.size : 0;
  }
}
