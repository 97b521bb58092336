/** The Store interface: durable per-room log with monotonic seq and an epoch per log. */
import type { Body, Meta, MsgFrame } from '../../protocol/index.js';

export interface NewMessage {
  room: string; id: string; from: string; body: Body; meta?: Meta;
  /** for a store that also publishes (Redis store with Redis bus): the bus topics, sender and arrival time */
  topics?: string[]; origin?: string; t0?: number;
}
export interface RoomHead { head: number; epoch: string }
/** An append's outcome: `duplicate` when (from, id) was already stored in this room; msg then carries the first seq */
export interface Appended { msg: MsgFrame; epoch: string; duplicate: boolean }

export interface Store {
  /** true when append also publishes to the bus in the same atomic step (so bus order is seq order) */
  readonly publishes: boolean;
  /**
   * persists a message, assigning the room's next seq; resolves only once it is stored. A retry with
   * the same (from, id) within the last `history` to 2×`history` messages of the room is stored once.
   */
  append(msg: NewMessage): Promise<Appended>;
  /** messages with seq > afterSeq, oldest first, at most limit */
  range(room: string, afterSeq: number, limit: number): Promise<MsgFrame[]>;
  /** the room's last seq (0 when empty) and its log's epoch, created now when the room has none (a join) */
  head(room: string): Promise<RoomHead>;
  /** the room's head without creating anything (null for a room with no log): for readers that are not members */
  peek(room: string): Promise<RoomHead | null>;
  /** frees what a room without messages holds (its epoch), once it has no local member */
  release(room: string): Promise<void>;
  /** true while the store can take writes */
  healthy(): boolean;
  close(): Promise<void>;
}
