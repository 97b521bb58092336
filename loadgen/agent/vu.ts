/** One virtual user: one socket, the rooms it tracks, and its reconnect state. Kept small: no maps until a DM. */
import type { LeanSocket } from '../client/lean-socket.js';
import { Track } from '../measure/ledger.js';
import type { StampParty } from '../measure/stamp-ledger.js';
import type { Spread } from '../measure/spread.js';

export type VuState = 'new' | 'connecting' | 'open' | 'backoff' | 'offline' | 'down' | 'retired';

export class Vu implements StampParty {
  sock: LeanSocket | null = null;
  state: VuState = 'new';
  /** ledger track of its group room, from the first joined */
  main: Track | null = null;
  /** ledger tracks of DM rooms and further group rooms, as they appear */
  dms: Map<string, Track> | null = null;
  /** group rooms besides its first (a workload mix with rooms.per_user > 1) */
  extra: string[] | null = null;
  /** its user class (classes in the scenario) */
  cls = 0;
  joined = false;
  isOpen = false;
  everOpened = false;
  attempts = 0;
  lastDelay = 0;
  /** the server asked this user to wait before its next redial (drain); 0 once used */
  retryAfterMs = 0;
  sentN = 0;
  /** when the current connection was dialled (ms, the agent's clock): a handshake past the scenario's connect_timeout_ms is given up */
  dialedAt = 0;
  /** when the current connection's WebSocket opened (ms, the agent's clock): the protocol handshake runs from here */
  openedAt = 0;
  /** connections started so far: picks the next node of a fleet on each reconnect */
  dials = 0;
  /** the protocol adapter's per-connection state (Socket.IO's session id and offset) */
  proto: unknown = null;
  /** protocols without seqs: the stamp ledger's log of this user's writes, and its receiving interval */
  sends: number[] | null = null;
  conns: number[] | null = null;
  stamp: StampParty['stamp'] = null;
  /** highest own counter the server acknowledged */
  ackedN = 0;
  /** when the current connection's protocol session came up (older stamps are replays) */
  readyAt = 0;
  constructor(readonly id: number, readonly user: string, readonly room: string, readonly spread: Spread) {}

  /** the track of a room, created starting after `from` when new */
  track(room: string, from: number): Track {
    if (room === this.room) return (this.main ??= new Track(from));
    let t = this.dms?.get(room);
    if (!t) {
      t = new Track(from);
      (this.dms ??= new Map()).set(room, t);
    }
    return t;
  }

  has(room: string): boolean {
    return room === this.room ? this.main !== null : !!this.dms?.has(room);
  }

  /** every tracked room with its track */
  *tracks(): Generator<[string, Track]> {
    if (this.main) yield [this.room, this.main];
    if (this.dms) yield* this.dms;
  }
}
