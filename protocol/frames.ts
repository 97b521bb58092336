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
export type ClientFrame = JoinFrame | LeaveFrame | SendFrame | DmFrame | PresenceFrame;

export interface HelloFrame { op: 'hello'; node: string; user: string; heartbeatMs: number }
export interface MsgFrame { op: 'msg'; room: string; seq: number; id: string; from: string; ts: number; body: Body; meta?: Meta }
export interface AckFrame { op: 'ack'; id: string; seq: number }
export interface JoinedFrame {
  op: 'joined'; room: string; head: number; epoch: string; recovered: boolean;
  /** with recovered false: where to read what was not replayed (the history route, spanning the hot and cold tiers) */
  history?: string;
}
export interface LeftFrame { op: 'left'; room: string }
export interface PresenceReplyFrame { op: 'presence'; online: Record<string, boolean> }
export interface ErrorFrame { op: 'error'; code: ErrorCode; message: string; ref?: string }
export interface DrainFrame { op: 'drain'; retryAfterMs: number }
export type ServerFrame = HelloFrame | MsgFrame | AckFrame | JoinedFrame | LeftFrame | PresenceReplyFrame | ErrorFrame | DrainFrame;
