/**
 * The Broker port: one owner of a room's log and of its delivery between nodes (as centrifuge's
 * broker owns both publish and history). `publish` stores (assigning the room's seq), then puts the
 * message on every topic; members of a room read its `history` and `head` through the same broker
 * that delivers to them, so a seq means one thing from end to end. Topics are rooms and user inboxes
 * (`@user`, for DMs). Events come up through one named interface.
 */
import { BfgError, type Body, type Meta, type MsgFrame } from '../../protocol/index.js';

/** One message on its way between nodes. */
export interface Envelope {
  topic: string;
  /** `<node>~<incarnation>/<connection id>` of the sending connection, which is not sent its own message */
  origin: string;
  msg: MsgFrame;
  /** ms timestamp (Date.now) when the origin gateway received the send */
  t0: number;
  /** epoch of the room log that assigned msg.seq: a new epoch means the log was lost and restarted */
  epoch?: string;
}

/** A message to publish: the room whose log assigns its seq, and the topics it goes to. */
export interface Publish {
  room: string; id: string; from: string; body: Body; meta?: Meta;
  topics: readonly string[]; origin: string; t0: number;
}

export interface RoomHead { head: number; epoch: string }
/** A publish's stored outcome: `duplicate` when (from, id) was already stored in this room; msg then carries the first seq */
export interface Appended { msg: MsgFrame; epoch: string; duplicate: boolean }

/** What a broker tells its gateway. */
export interface BrokerEvents {
  /** a message for a topic this node subscribed to, in seq order per room */
  publication(env: Envelope): void;
  /** the broker lost its connection and is back: these topics' messages in between may be missing */
  reconnected(topics: readonly string[]): void;
}

export interface Broker {
  /**
   * Stores the message and then publishes it. `stored` is called once the log holds it (the ack may
   * go out); a retry with the same (from, id) is stored and published once. Rejects with a BfgError:
   * `store_unavailable` (nothing stored) or `bus_unavailable` (stored and acked; members recover it).
   */
  publish(p: Publish, stored: (a: Appended) => void): Promise<void>;
  /** messages with seq > afterSeq, oldest first, at most limit */
  history(room: string, afterSeq: number, limit: number): Promise<MsgFrame[]>;
  /** the room's last seq (0 when empty) and its log's epoch, created now when the room has none (a join) */
  head(room: string): Promise<RoomHead>;
  /** the room's head without creating anything (null for a room with no log): for readers that are not members */
  peek(room: string): Promise<RoomHead | null>;
  /** frees what a room without messages holds (its epoch), once it has no local member */
  release(room: string): Promise<void>;
  /** starts delivering a topic's messages to this node; `head` is where its room stands now (for a reorder window) */
  subscribe(topic: string): Promise<void>;
  unsubscribe(topic: string): Promise<void>;
  /** the gateway's handlers for the broker's events (set once, before the first subscribe) */
  on(events: BrokerEvents): void;
  /** whether the log and the delivery between nodes can work now */
  health(): { store: boolean; bus: boolean };
  close(): Promise<void>;
}

/** The inbox topic of a user, where DMs to that user are published. */
export const inboxTopic = (user: string): string => `@${user}`;

/** Events that go nowhere: a broker's default until the gateway sets its own. */
export const NO_EVENTS: BrokerEvents = { publication() {}, reconnected() {} };

/** Appends through a store, turning its failure into the catalogue's `store_unavailable` (nothing was stored). */
export async function storeOrRefuse(store: { healthy(): boolean; append(m: Publish): Promise<Appended> }, p: Publish): Promise<Appended> {
  try {
    if (!store.healthy()) throw new Error('store circuit open');
    return await store.append(p);
  } catch (err) {
    throw new BfgError('store_unavailable', (err as Error).message);
  }
}
