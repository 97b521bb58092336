/**
 * The adapter seam: the generator's verbs (connect as a user, join a room, publish a stamped message,
 * answer heartbeats) turned into one protocol's frames, and that protocol's frames parsed back into
 * events. One adapter object serves every socket of an agent: per-connection state lives in the
 * virtual user (`Vu.proto`), so a socket costs no closures or timers of its own.
 */
import type { Vu } from '../agent/vu.js';

/** What a protocol promises; the ledger checks exactly this. */
export interface Guarantees {
  /** the server numbers each room's messages (contiguous seqs per room, checked per receiver and room) */
  seq: boolean;
  /** a reconnecting client gets what it missed (per room from a position, or by session) */
  recovery: boolean;
  /** without a seq: the order the protocol keeps ('sender': per sender and room; 'none': at most once, unordered) */
  order: 'room' | 'sender' | 'none';
  /** messages can be read back over HTTP after the run (BFG's history): gaps are backfilled, not lost */
  history: boolean;
  /** direct messages between users */
  dm: boolean;
}

/** The stamp every published message carries, inside whatever the server relays. */
export interface Stamp {
  /** sender (the virtual user's number) */
  s: number;
  /** the sender's counter */
  n: number;
  /** the room's send counter (which message of the room this is: groups first/last recipient) */
  k: number;
  /** intended send time, epoch ms (µs resolution) */
  i: number;
  /** actual write time, epoch ms (µs resolution) */
  t: number;
}

/** What an adapter reports for the frames it parses; the agent implements it. */
export interface ProtocolSink {
  /** the protocol session is up (after the WebSocket opened and any protocol handshake): joins may go */
  ready(vu: Vu, recovered?: boolean): void;
  /** a join was acknowledged, read at `at` (epoch ms); `head`/`epoch` where the protocol numbers messages */
  joined(vu: Vu, room: string, at: number, head?: number, epoch?: string, recovered?: boolean): void;
  /** a publish was acknowledged (`seq` where the protocol numbers messages) */
  acked(vu: Vu, id: string, seq?: number): void;
  /** a message read at `at` (epoch ms, the socket read's timestamp): `seq` where the protocol numbers them, the stamp where one came through */
  message(vu: Vu, room: string, seq: number | undefined, stamp: Stamp | undefined, at: number): void;
  /** an error the server sent (with the reference of the request it answers, when it says) */
  error(vu: Vu, code: string, ref?: string): void;
  /** a frame the adapter could not read */
  undecodable(vu: Vu): void;
  /** an ephemeral event (typing, read) from another member, read at `at`; `ts`: when its origin gateway received it (epoch ms) */
  ephemeral?(vu: Vu, kind: 'typing' | 'read', ts: number, at: number): void;
  /** the server is draining (shutting down): the next redial waits at least `retryAfterMs` (its jitter spreads the herd) */
  drain(vu: Vu, retryAfterMs: number): void;
  /** writes one frame on the user's socket */
  write(vu: Vu, data: Buffer, binary: boolean): void;
}

/** Where and how to open the WebSocket. */
export interface Dial {
  url: URL;
  /** Sec-WebSocket-Protocol, when the protocol names one */
  subprotocol?: string;
  headers?: Record<string, string>;
}

export interface Adapter {
  readonly name: string;
  readonly guarantees: Guarantees;
  /** true when the server relays a publisher's message back to the publisher too */
  readonly echo: boolean;
  /** the URL (from the target), subprotocol and headers for a user; `token` when the run signs tokens */
  dial(base: string, vu: Vu, token?: string): Dial;
  /** the WebSocket opened; a protocol with its own handshake starts it, others report ready at once */
  opened(vu: Vu): void;
  /** joins a room; `after`/`epoch` resume from a position where the protocol has one */
  join(vu: Vu, room: string, after?: number, epoch?: string): void;
  /** publishes a stamped message with the client's id */
  publish(vu: Vu, room: string, id: string, stamp: Stamp, body: string): void;
  /** a direct message (only where `guarantees.dm`) */
  dm?(vu: Vu, to: string, id: string, stamp: Stamp, body: string): void;
  /** ephemeral events (BFG's typing and read receipts), where the protocol has them */
  typing?(vu: Vu, room: string): void;
  read?(vu: Vu, room: string, seq: number): void;
  /** one received frame, read at `at` (epoch ms, taken before parsing), parsed into sink events */
  frame(vu: Vu, payload: Buffer, binary: boolean, at: number): void;
  /** the socket closed: per-connection protocol state that does not survive a reconnect is dropped */
  closed(vu: Vu): void;
  /** a heartbeat the client owes (MQTT PINGREQ, STOMP's EOL): written to every ready connection every `everyMs` from the agent's one sweep */
  readonly heartbeat?: { readonly everyMs: number; readonly frame: Buffer; readonly binary?: boolean };
}

/** reads a dotted path (`a.b.c`) in a parsed JSON value */
export function pathGet(v: unknown, path: readonly string[]): unknown {
  let o = v;
  for (const k of path) {
    if (o === null || typeof o !== 'object') return undefined;
    o = (o as Record<string, unknown>)[k];
  }
  return o;
}

/** sets a dotted path in an object, creating the objects on the way */
export function setPath(o: Record<string, unknown>, path: readonly string[], v: unknown): void {
  let at = o;
  for (let i = 0; i < path.length - 1; i++) at = (at[path[i]] ??= {}) as Record<string, unknown>;
  at[path[path.length - 1]] = v;
}

/** a stamp read back from a received payload, or undefined when it is not one of ours */
export function readStamp(v: unknown): Stamp | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const { s, n, k, i, t } = o;
  if (typeof s !== 'number' || typeof n !== 'number' || typeof t !== 'number') return undefined;
  return { s, n, k: typeof k === 'number' ? k : n, i: typeof i === 'number' ? i : t, t };
}
