/** One virtual user: one socket, the rooms it tracks, and its reconnect state. */
import type { LeanSocket } from '../client/lean-socket.js';
import { Track } from '../measure/ledger.js';

export type VuState = 'new' | 'connecting' | 'open' | 'backoff' | 'offline' | 'down';

export class Vu {
  sock: LeanSocket | null = null;
  state: VuState = 'new';
  /** per-room ledger tracks: its group room, plus DM rooms as they appear */
  readonly tracks = new Map<string, Track>();
  epochs = new Map<string, string>();
  /** the room's replays end at this seq after a recovering join (they are not latency samples) */
  replayUntil = new Map<string, number>();
  joined = false;
  isOpen = false;
  everOpened = false;
  attempts = 0;
  lastDelay = 0;
  sentN = 0;
  constructor(readonly id: number, readonly user: string, readonly room: string) {}

  track(room: string, from: number): Track {
    let t = this.tracks.get(room);
    if (!t) {
      t = new Track(from);
      this.tracks.set(room, t);
    }
    return t;
  }
}
