/** The Store interface: durable per-room log with monotonic seq and an epoch per log. */
import type { Body, Meta, MsgFrame } from '../../protocol/index.js';

export interface NewMessage {
  room: string; id: string; from: string; body: Body; meta?: Meta;
  /** for a store that also publishes (Redis store with Redis bus): the bus topics, sender and arrival time */
  topics?: string[]; origin?: string; t0?: number;
}
export interface RoomHead { head: number; epoch: string }

export interface Store {
  /** true when append also publishes to the bus in the same atomic step (so bus order is seq order) */
  readonly publishes: boolean;
  /** persists a message, assigning the room's next seq; resolves only once it is durable */
  append(msg: NewMessage): Promise<MsgFrame>;
  /** messages with seq > afterSeq, oldest first, at most limit */
  range(room: string, afterSeq: number, limit: number): Promise<MsgFrame[]>;
  /** the room's last seq (0 when empty) and its log's epoch */
  head(room: string): Promise<RoomHead>;
  /** true while the store can take writes */
  healthy(): boolean;
  close(): Promise<void>;
}
