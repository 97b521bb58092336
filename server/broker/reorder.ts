/**
 * The reorder window of a bus without seq order (Kafka: a producer retry can land a later seq first).
 * Per subscribed room it knows the last seq passed on; a message past a gap waits up to `windowMs`
 * for the missing seqs, then the gap is read from the log (`fill`) and what was held follows in seq
 * order. Replays (seq already passed on) are dropped; a new epoch means the log restarted at seq 1.
 */
import type { MsgFrame } from '../../protocol/index.js';
import type { Envelope, RoomHead } from './broker.js';

interface RoomState {
  /** last seq passed on; -1 until the room's head is known (then anything passes and sets it) */
  last: number;
  epoch?: string;
  early?: Map<number, Envelope>;
  timer?: NodeJS.Timeout;
}

export class Reorder {
  private readonly rooms = new Map<string, RoomState>();

  constructor(
    private readonly windowMs: number,
    private readonly fill: (room: string, afterSeq: number) => Promise<MsgFrame[]>,
    private readonly out: (env: Envelope) => void,
  ) {}

  /** starts tracking a room (on subscribe); `head` is where its log stands, once read */
  watch(room: string): void {
    if (!this.rooms.has(room)) this.rooms.set(room, { last: -1 });
  }

  /** the room's head as read after the subscribe: seqs up to it reach members through their join */
  start(room: string, head: RoomHead | null): void {
    const st = this.rooms.get(room);
    if (!st || !head) return;
    if (st.epoch === undefined) st.epoch = head.epoch;
    if (st.epoch === head.epoch && st.last < head.head) st.last = head.head;
  }

  /** stops tracking a room (on unsubscribe) and forgets what it held */
  forget(room: string): void {
    const st = this.rooms.get(room);
    if (st) clearTimeout(st.timer);
    this.rooms.delete(room);
  }

  /** one message off the bus; passed on in seq order, held, or dropped as a replay */
  push(env: Envelope): void {
    const st = this.rooms.get(env.topic);
    if (!st) return; // not a room of this node
    if (env.epoch !== undefined && st.epoch !== env.epoch) {
      if (st.epoch !== undefined) this.restart(st); // the log was lost and restarted: old seqs mean nothing now
      st.epoch = env.epoch;
    }
    const seq = env.msg.seq;
    if (st.last >= 0 && seq <= st.last) return;
    if (st.last >= 0 && seq > st.last + 1) return this.hold(env.topic, st, env);
    st.last = seq;
    this.out(env);
    this.drain(st);
  }

  /** reads every room's log past what was passed on: the consumer was away, and what it missed is in the log */
  catchUp(): void {
    for (const [room, st] of this.rooms) {
      if (st.last < 0) continue;
      clearTimeout(st.timer);
      st.timer = setTimeout(() => void this.gapTimeout(room, st), 0);
    }
  }

  private restart(st: RoomState): void {
    clearTimeout(st.timer);
    st.early = undefined;
    st.timer = undefined;
    st.last = 0;
  }

  private hold(room: string, st: RoomState, env: Envelope): void {
    (st.early ??= new Map()).set(env.msg.seq, env);
    st.timer ??= setTimeout(() => void this.gapTimeout(room, st), this.windowMs);
  }

  /** passes on held messages that are next in seq */
  private drain(st: RoomState): void {
    for (let nxt = st.early?.get(st.last + 1); nxt; nxt = st.early?.get(st.last + 1)) {
      st.early!.delete(nxt.msg.seq);
      st.last = nxt.msg.seq;
      this.out(nxt);
    }
    if (st.early?.size === 0) {
      clearTimeout(st.timer);
      st.early = undefined;
      st.timer = undefined;
    }
  }

  /** the gap outlived the window: read it from the log, then pass on what was held (what the log lacked is given up on) */
  private async gapTimeout(room: string, st: RoomState): Promise<void> {
    st.timer = undefined;
    let msgs: MsgFrame[] = [];
    try {
      msgs = await this.fill(room, st.last);
    } catch { /* log down: members recover through join after= */ }
    if (this.rooms.get(room) !== st) return; // unsubscribed meanwhile
    const held = [...(st.early?.values() ?? [])].sort((a, b) => a.msg.seq - b.msg.seq);
    st.early = undefined;
    clearTimeout(st.timer); // set again by what arrived during the read, which is in `held` now
    st.timer = undefined;
    for (const msg of msgs) {
      if (msg.seq <= st.last) continue;
      st.last = msg.seq;
      this.out({ topic: room, origin: '', t0: msg.ts, msg, epoch: st.epoch });
    }
    for (const env of held) {
      if (env.msg.seq <= st.last) continue;
      st.last = env.msg.seq;
      this.out(env);
    }
  }
}
