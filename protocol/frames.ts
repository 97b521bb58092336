/** Frame types of the BFG wire protocol v1 (docs/architecture.md, "The wire protocol"). */
import type { ErrorCode } from './errors.js';

export const SUBPROTOCOL_JSON = 'bfg.v1.json';
export const SUBPROTOCOL_MSGPACK = 'bfg.v1.msgpack';
export const SUBPROTOCOL_PROTO = 'bfg.v1.proto';
export type Format = 'json' | 'msgpack' | 'proto';

export type Body = string | Uint8Array;
export type Meta = Record<string, unknown>;

export interface JoinFrame { op: 'join'; room: string; after?: number; epoch?: string }
export interface LeaveFrame { op: 'leave'; room: string }
export interface SendFrame { op: 'send'; room: string; id: string; body: Body; meta?: Meta }
export interface DmFrame { op: 'dm'; to: string; id: string; body: Body; meta?: Meta }
export interface PresenceFrame { op: 'presence'; users: string[] }
/** ephemeral: "I am typing in this room" (never stored, no seq, no ack; coalesced per user and room) */
export interface TypingFrame { op: 'typing'; room: string }
/** ephemeral: "I have read this room up to seq" (the last one is kept per user and room: joined.lastRead) */
export interface ReadFrame { op: 'read'; room: string; seq: number }
export type ClientFrame = JoinFrame | LeaveFrame | SendFrame | DmFrame | PresenceFrame | TypingFrame | ReadFrame;

export interface HelloFrame { op: 'hello'; node: string; user: string; heartbeatMs: number }
export interface MsgFrame { op: 'msg'; room: string; seq: number; id: string; from: string; ts: number; body: Body; meta?: Meta }
export interface AckFrame { op: 'ack'; id: string; seq: number }
export interface JoinedFrame {
  op: 'joined'; room: string; head: number; epoch: string; recovered: boolean;
  /** with recovered false: where to read what was not replayed (the history route, spanning the hot and cold tiers) */
  history?: string;
  /** the last seq this user marked read in this room (0: none) */
  lastRead?: number;
}
export interface LeftFrame { op: 'left'; room: string }
export interface PresenceReplyFrame { op: 'presence'; online: Record<string, boolean> }
export interface ErrorFrame { op: 'error'; code: ErrorCode; message: string; ref?: string }
export interface DrainFrame { op: 'drain'; retryAfterMs: number }
/** another member is typing; `ts`: ms time the origin gateway received it */
export interface TypingEvent { op: 'typing'; room: string; user: string; ts: number }
/** another member read the room up to `seq`; `ts` as for typing */
export interface ReadEvent { op: 'read'; room: string; user: string; seq: number; ts: number }
export type EphemeralEvent = TypingEvent | ReadEvent;
export type ServerFrame = HelloFrame | MsgFrame | AckFrame | JoinedFrame | LeftFrame | PresenceReplyFrame | ErrorFrame | DrainFrame | TypingEvent | ReadEvent;
