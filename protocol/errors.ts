/**
 * The one catalogue of coded errors. The gateway's `error` frames, its close reasons and the
 * CLI's exit messages all draw from it, so a code means the same thing everywhere.
 */
export interface ErrorSpec {
  /** what went wrong, in words */
  readonly message: string;
  /** what the user should do about it */
  readonly fix: string;
  /** the WebSocket close code when the gateway closes the connection with this error */
  readonly close?: number;
  /** the HTTP status when this error answers an HTTP request */
  readonly status?: number;
}

export const ERRORS = Object.freeze({
  // wire errors (gateway `error` frames)
  bad_frame: { message: 'the frame is not valid', fix: 'send one JSON object (a msgpack map on bfg.v1.msgpack, a Frame of protocol/bfg.proto on bfg.v1.proto) with the fields docs/architecture.md (The wire protocol) lists for its op', status: 400 },
  unknown_op: { message: 'the op is not one of join, leave, send, dm, presence, typing, read', fix: 'use an op from the protocol table', status: 400 },
  not_member: { message: 'the connection has not joined that room', fix: 'send {op:"join", room} first' },
  rate_limited: { message: 'too many messages on this connection', fix: 'slow down: the gateway allows msgRate messages (joins and presence lookups count) per second with a burst of msgBurst', status: 429 },
  too_many_rooms: { message: 'the connection has joined the maximum number of rooms', fix: 'leave a room before joining another, or raise --max-rooms' },
  too_large: { message: 'the message body and meta are larger than maxBody', fix: 'send a smaller body or meta, or raise --max-body', status: 413 },
  store_unavailable: { message: 'the message store is unavailable; the message was not persisted', fix: 'retry later with the same id; nothing unacked was stored', status: 503 },
  bus_unavailable: { message: 'the message bus is unavailable', fix: 'retry later; acked messages are in the store and will be recovered', status: 503 },
  history_unavailable: { message: 'history older than the hot window cannot be read now: the cold tier (Cassandra) is down, or has not archived those messages yet', fix: 'retry later; live messages and the hot window (the last --history messages) are served meanwhile; /health shows the archive state and lag', status: 503 },
  bad_request: { message: 'the HTTP request is not valid', fix: 'see docs/gateway.md (HTTP routes): GET /rooms/:room/messages?after=&limit= or ?before=&limit=', status: 400 },
  not_found: { message: 'no such route', fix: 'see docs/gateway.md (HTTP routes)', status: 404 },
  forbidden: { message: 'the token does not allow this', fix: 'ask for a token whose rooms claim matches the room (or with admin: true for the admin route); a DM room is only for its two users', status: 403 },
  auth_failed: { message: 'authentication failed', fix: 'pass a valid HS256 JWT as ?token=, signed with the gateway secret, with sub and exp claims', close: 1008, status: 401 },
  overloaded: { message: 'the gateway is not accepting connections right now', fix: 'reconnect later with backoff and jitter', close: 1013, status: 503 },
  shed: { message: 'the gateway is overloaded and shedding non-essential work (typing, read receipts, then history reads); acked messages are never shed', fix: 'retry later with backoff; messages keep flowing meanwhile; /health shows degraded and what is shed', status: 503 },
  slow_consumer: { message: 'the connection did not read its messages fast enough', fix: 'read faster; reconnect and join with after=<last seq> to recover', close: 4008 },
  // CLI and runtime errors
  bad_option: { message: 'a command-line option is invalid', fix: 'see --help for the option' },
  bad_plugin: { message: 'the protocol plugin cannot be used', fix: 'name an ES module (./adapter.mjs) that exports apiVersion (this build speaks 1), name and createAdapter(sink, options); see docs/protocols.md' },
  bad_scenario: { message: 'the scenario file is invalid', fix: 'correct the named fields; the schema is documented in scenarios/README.md' },
  unreachable: { message: 'a service could not be reached', fix: 'start it, or point the option at a running one' },
  internal: { message: 'an internal error occurred', fix: 'report it with the log above' },
} satisfies Record<string, ErrorSpec>);

export type ErrorCode = keyof typeof ERRORS;

/** An error carrying a catalogue code; the CLI prints `code: message (fix)` and exits 2. */
export class BfgError extends Error {
  readonly code: ErrorCode;
  /** what went wrong in this case, without the code's general message */
  readonly detail?: string;
  constructor(code: ErrorCode, detail?: string) {
    super(detail ? `${ERRORS[code].message}: ${detail}` : ERRORS[code].message);
    this.code = code;
    this.detail = detail;
  }
  /** the fix for this code */
  get fix(): string {
    return ERRORS[this.code].fix;
  }
}
