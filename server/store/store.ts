/** The Store interface: a durable per-room log with monotonic seq and an epoch per log; brokers own one. */
import type { MsgFrame } from '../../protocol/index.js';
import type { Appended, Publish, RoomHead } from '../broker/broker.js';

export type { Appended, RoomHead } from '../broker/broker.js';
/** A message to store; a store that also publishes (Redis with its Pub/Sub) takes the topics, origin and arrival time too. */
export type NewMessage = Omit<Publish, 'topics' | 'origin' | 't0'> & Partial<Pick<Publish, 'topics' | 'origin' | 't0'>>;

export interface Store {
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
