/**
 * The Broker port: one owner of a room's log and of its delivery between nodes (as centrifuge's
 * broker owns both publish and history). `publish` stores (assigning the room's seq), then puts the
 * message on every topic; members of a room read its `history` and `head` through the same broker
 * that delivers to them, so a seq means one thing from end to end. Topics are rooms and user inboxes
 * (`@user`, for DMs). Events come up through one named interface.
 *
 * The envelope, the one format of a published message and of a stored one, is here too. A bus payload
 * is `origin\nt0\nepoch\nmsgJSON`: the sending connection (not sent its own message), when the origin
 * gateway received it, the epoch of the room log that assigned its seq, and the message. JSON has no
 * bytes, so a bytes body is stored as base64 with `bodyEncoding: "base64"` and turned back into bytes
 * when read, so a msgpack client gets back the bytes it sent.
 */
import { randomBytes } from 'node:crypto';
import { BfgError, type Body, type EphemeralEvent, type Meta, type MsgFrame } from '../../protocol/index.js';

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
  /** body + meta bytes as counted against maxBody (a store that keeps messages in memory counts them) */
  bytes?: number;
  /** users to notify if they have no live session (a DM's recipient, a message's mentions): with --notify */
  notify?: readonly string[];
}

/** a room's head; `lastRead` when asked for a reader: the last seq that user marked read in this epoch (0: none) */
export interface RoomHead { head: number; epoch: string; lastRead?: number }
/** A publish's stored outcome: `duplicate` when (from, id) was already stored in this room; msg then carries the first seq */
export interface Appended { msg: MsgFrame; epoch: string; duplicate: boolean }

/**
 * An ephemeral event on its way between nodes (typing, read): never stored, no seq, no ack, and no
 * order or recovery — a lost one is superseded by the next. `topics`: the room, or for a DM room the
 * other user's inbox.
 */
export interface Signal { topics: readonly string[]; origin: string; event: EphemeralEvent }

/** What a broker tells its gateway. */
export interface BrokerEvents {
  /** an ephemeral event for a topic this node subscribed to */
  signal(topic: string, s: Signal): void;
  /** a message for a topic this node subscribed to, in seq order per room */
  publication(env: Envelope): void;
  /** the broker lost its connection and is back: these topics' messages in between may be missing */
  reconnected(topics: readonly string[]): void;
}

export interface Broker {
  /**
   * true when members may get messages read back from the store (a heal after a bus outage, a reorder
   * gap filled), which carry no origin: senders then remember their acked seqs to be skipped
   */
  readonly healsFromStore?: boolean;
  /**
   * Stores the message and then publishes it. `stored` is called once the log holds it (the ack may
   * go out); a retry with the same (from, id) is stored and published once. Rejects with a BfgError:
   * `store_unavailable` (nothing stored) or `bus_unavailable` (stored and acked; members recover it).
   * A broker whose log and delivery are in this process may do it all at once and return undefined
   * (throwing its BfgError): no promise per message on the embedded default.
   */
  publish(p: Publish, stored: (a: Appended) => void): Promise<void> | undefined;
  /** puts an ephemeral event on its topics, at most once, without waiting (a bus that is down loses it: the next one supersedes it) */
  signal(s: Signal): void;
  /** messages with seq > afterSeq, oldest first, at most limit */
  history(room: string, afterSeq: number, limit: number): Promise<MsgFrame[]>;
  /** the newest `limit` messages with seq < beforeSeq that the log still holds, oldest first */
  historyBefore(room: string, beforeSeq: number, limit: number): Promise<MsgFrame[]>;
  /** the room's last seq (0 when empty) and its log's epoch, created now when the room has none (a join); with `reader`, that user's lastRead */
  head(room: string, reader?: string): Promise<RoomHead>;
  /** the room's head without creating anything (null for a room with no log): for readers that are not members */
  peek(room: string): Promise<RoomHead | null>;
  /** frees what a room without messages holds (its epoch), once it has no local member */
  release(room: string): Promise<void>;
  /** records that `user` read `room` up to `seq` (capped at the head; never moves back); resolves with the seq recorded before and after */
  markRead(room: string, user: string, seq: number): Promise<{ before: number; after: number }>;
  /** starts delivering a topic's messages to this node; `head` is where its room stands now (for a reorder window) */
  subscribe(topic: string): Promise<void>;
  unsubscribe(topic: string): Promise<void>;
  /** the gateway's handlers for the broker's events (set once, before the first subscribe) */
  on(events: BrokerEvents): void;
  /** whether the log and the delivery between nodes can work now */
  health(): { store: boolean; bus: boolean };
  close(): Promise<void>;
}

/** The log half every broker shares: history, head, peek and release read its store. */
export abstract class LogBroker {
  constructor(protected readonly store: Store) {}
  history(room: string, afterSeq: number, limit: number): Promise<MsgFrame[]> { return this.store.range(room, afterSeq, limit); }
  historyBefore(room: string, beforeSeq: number, limit: number): Promise<MsgFrame[]> { return this.store.rangeBefore(room, beforeSeq, limit); }
  head(room: string, reader?: string): Promise<RoomHead> { return this.store.head(room, reader); }
  markRead(room: string, user: string, seq: number): Promise<{ before: number; after: number }> { return this.store.markRead(room, user, seq); }
  peek(room: string): Promise<RoomHead | null> { return this.store.peek(room); }
  release(room: string): Promise<void> { return this.store.release(room); }
}

/** The inbox topic of a user, where DMs to that user are published. */
export const inboxTopic = (user: string): string => `@${user}`;

/** Hands one message to the gateway; one that cannot be delivered is logged and dropped, never taking the node (and its other rooms) down. */
export function deliverSafely(events: BrokerEvents, env: Envelope): void {
  try {
    events.publication(env);
  } catch (err) {
    console.error(`bfg serve: dropped a bus message for ${env.topic}: ${(err as Error).message}`);
  }
}

/** `p`, or a rejection with `message` after `ms` (a bus that never answers must not hold a publish for ever). */
export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => { t = setTimeout(() => reject(new Error(message)), ms); })]).finally(() => clearTimeout(t));
}

/** Events that go nowhere: a broker's default until the gateway sets its own. */
export const NO_EVENTS: BrokerEvents = { publication() {}, reconnected() {}, signal() {} };

/** Bus payloads of ephemeral events start with this (an envelope starts with its origin, which never holds NUL). */
const SIGNAL_MARK = '\u0000e\n';

/** The bus payload of an ephemeral event for one topic: the mark, the origin, the event's JSON. */
export function encodeSignal(s: Signal): string {
  return `${SIGNAL_MARK}${s.origin}\n${JSON.stringify(s.event)}`;
}

/** true when a bus payload is an ephemeral event (decodeSignal), not a message (decodeEnvelope) */
export const isSignal = (text: string): boolean => text.startsWith(SIGNAL_MARK);

/** Parses an ephemeral event's bus payload for `topic`; undefined when malformed (dropped, never fatal). */
export function decodeSignal(topic: string, text: string): Signal | undefined {
  const nl = text.indexOf('\n', SIGNAL_MARK.length);
  if (!isSignal(text) || nl < 0) return undefined;
  try {
    const e = JSON.parse(text.slice(nl + 1)) as EphemeralEvent;
    if (!e || (e.op !== 'typing' && e.op !== 'read') || typeof e.room !== 'string' || typeof e.user !== 'string' || !Number.isFinite(e.ts)) return undefined;
    if (e.op === 'read' && !Number.isSafeInteger(e.seq)) return undefined;
    return { topics: [topic], origin: text.slice(SIGNAL_MARK.length, nl), event: e };
  } catch {
    return undefined;
  }
}

/** Hands one ephemeral event to the gateway; never throws. */
export function signalSafely(events: BrokerEvents, topic: string, s: Signal): void {
  try {
    events.signal(topic, s);
  } catch (err) {
    console.error(`bfg serve: dropped an ephemeral event for ${topic}: ${(err as Error).message}`);
  }
}

/** Appends through a store, turning its failure into the catalogue's `store_unavailable` (nothing was stored). */
export async function storeOrRefuse(store: { healthy(): boolean; append(m: Publish): Promise<Appended> }, p: Publish): Promise<Appended> {
  try {
    if (!store.healthy()) throw new Error('store circuit open');
    return await store.append(p);
  } catch (err) {
    throw new BfgError('store_unavailable', (err as Error).message);
  }
}

/**
 * A gateway in message origins: its node id and a random incarnation. Session ids restart at 1 in
 * every gateway, so two nodes given the same id (or the default one) must still never take each
 * other's sessions for the sender and skip a delivery.
 */
export const originNode = (node: string): string => `${node}~${randomBytes(4).toString('hex')}`;

type Stored = MsgFrame & { bodyEncoding?: 'base64' };

/** The JSON text of a message as stored and published. */
export function storedJson(msg: MsgFrame): string {
  if (typeof msg.body === 'string') return JSON.stringify(msg);
  return JSON.stringify({ ...msg, body: Buffer.from(msg.body).toString('base64'), bodyEncoding: 'base64' });
}

/** A message read back from its stored JSON text. */
export function fromStored(text: string): MsgFrame {
  const m = JSON.parse(text) as Stored;
  if (m.bodyEncoding === 'base64') {
    m.body = Buffer.from(m.body as string, 'base64');
    delete m.bodyEncoding;
  }
  return m;
}

/** The head of a bus payload up to the epoch, which a store that publishes fills in itself. */
export const envelopeHead = (origin: string, t0: number): string => `${origin}\n${t0}\n`;

/** The whole bus payload of an envelope. */
export function encodeEnvelope(env: Envelope): string {
  return `${envelopeHead(env.origin, env.t0)}${env.epoch ?? ''}\n${storedJson(env.msg)}`;
}

/** Parses a bus payload; undefined when it is malformed (a bad payload is dropped, never fatal). */
export function decodeEnvelope(topic: string, text: string): Envelope | undefined {
  const a = text.indexOf('\n'), b = text.indexOf('\n', a + 1), c = text.indexOf('\n', b + 1);
  if (a < 0 || b < 0 || c < 0) return undefined;
  try {
    const msg = fromStored(text.slice(c + 1));
    if (!msg || typeof msg.room !== 'string' || !Number.isSafeInteger(msg.seq)) return undefined;
    return { topic, origin: text.slice(0, a), t0: Number(text.slice(a + 1, b)), epoch: text.slice(b + 1, c) || undefined, msg };
  } catch {
    return undefined;
  }
}

/** A message for an HTTP (JSON) reader: bytes as base64, marked so. */
export function forHttp(msg: MsgFrame): MsgFrame | Stored {
  return typeof msg.body === 'string' ? msg : { ...msg, body: Buffer.from(msg.body).toString('base64'), bodyEncoding: 'base64' };
}

/** The log a broker owns: a durable per-room log with monotonic seq and an epoch per log. */
/** A message to store; a store that also publishes (Redis with its Pub/Sub) takes the topics, origin and arrival time too. */
export type NewMessage = Omit<Publish, 'topics' | 'origin' | 't0'> & Partial<Pick<Publish, 'topics' | 'origin' | 't0'>>;

export interface Store {
  /**
   * persists a message, assigning the room's next seq; resolves only once it is stored. A retry with
   * the same (from, id) within the last `history` to 2×`history` messages of the room is stored once.
   */
  append(msg: NewMessage): Promise<Appended>;
  /** the same, done at once, for a store that keeps its log in this process (a wrapper that delays `append` must hide this) */
  appendNow?(msg: NewMessage): Appended;
  /** messages with seq > afterSeq, oldest first, at most limit */
  range(room: string, afterSeq: number, limit: number): Promise<MsgFrame[]>;
  /** the newest `limit` messages with seq < beforeSeq, oldest first */
  rangeBefore(room: string, beforeSeq: number, limit: number): Promise<MsgFrame[]>;
  /** the room's last seq (0 when empty) and its log's epoch, created now when the room has none (a join); with `reader`, that user's lastRead */
  head(room: string, reader?: string): Promise<RoomHead>;
  /** the room's head without creating anything (null for a room with no log): for readers that are not members */
  peek(room: string): Promise<RoomHead | null>;
  /** frees what a room without messages holds (its epoch), once it has no local member */
  release(room: string): Promise<void>;
  /** the last read seq per user and room, kept with the room's log (and gone with it): see Broker.markRead */
  markRead(room: string, user: string, seq: number): Promise<{ before: number; after: number }>;
  /** true while the store can take writes */
  healthy(): boolean;
  close(): Promise<void>;
}
