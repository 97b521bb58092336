/** The reference gateway: ws sockets and HTTP on one port, wired to its Hub, a Broker and presence. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Socket } from 'node:net';
import {
  CLOSE, ERRORS, SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, formatOf, userProblem, verifyToken,
  type ErrorCode, type ServerFrame,
} from '../protocol/index.js';
import type { Context } from './context.js';
import { framed } from './outbox.js';
import { handle } from './handlers.js';
import { TokenBucket } from './limits.js';
import { createMetrics } from './metrics.js';
import { gatewayOptions, type GatewayOptions } from './options.js';
import { Outbox } from './outbox.js';
import { originAllowed, route } from './http.js';
import { leaveQuietly } from './join.js';
import { Rooms } from './rooms.js';
import type { Hub } from './hub.js';
import { Session } from './session.js';
import { memoryParts, type Parts } from './parts.js';
import { sweep } from './sweeper.js';

export type { Parts } from './parts.js';
type Sock = WebSocket & { s: Session };
/** a TCP connection not yet a session: counted toward maxConnections until upgraded or closed */
type Pending = Socket & { bfgPending?: boolean };
/** connections beyond maxConnections still let in, so a full node answers /health and refuses upgrades with 1013 */
const HTTP_MARGIN = 64;

export class Gateway {
  readonly opts: Readonly<GatewayOptions>;
  readonly ctx: Context;
  /** this node's sessions by id, user and room */
  readonly hub: Hub;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly accept: TokenBucket;
  private nextId = 1;
  /** TCP connections not (yet) upgraded to sessions: half-open upgrades, HTTP clients */
  private pending = 0;
  private draining = false;
  private timer?: NodeJS.Timeout;
  // listener functions shared by every connection of this gateway (no closures per socket)
  private readonly onMessage: (this: WebSocket, data: Buffer, isBinary: boolean) => void;
  private readonly onClose: (this: WebSocket, code: number) => void;

  /** `parts` from openParts (Redis, Kafka); what it leaves out is embedded */
  constructor(options: Partial<GatewayOptions> = {}, parts: Partial<Parts> = {}) {
    const opts = (this.opts = gatewayOptions(options));
    const { hub, broker, presence } = { ...memoryParts(opts), ...parts };
    this.hub = hub;
    const metrics = createMetrics(opts.node);
    const outbox = new Outbox(opts.slowBytes, metrics);
    const rooms = new Rooms(opts.node, hub, broker, outbox, metrics, opts.maxRecover);
    this.ctx = {
      opts, metrics, outbox, broker, hub, rooms, presence,
      send: (s, frame) => outbox.push(s, framed(frame, s.format)),
      error: (s, code, detail, ref) => this.sendError(s, code, detail, ref),
    };
    const gw = this;
    this.onMessage = function (data, isBinary) {
      try {
        handle(gw.ctx, (this as Sock).s, data, isBinary);
      } catch (err) {
        // handle() answers every bad frame itself; this is the last guard: log, answer, keep serving
        console.error(`bfg serve: internal error on a frame: ${(err as Error).stack}`);
        gw.sendError((this as Sock).s, 'internal', (err as Error).message);
      }
    };
    this.onClose = function (code) {
      // application codes (3000–4999) are grouped, so a client cannot mint a label per code
      gw.ctx.metrics.closes.inc({ code: code >= 3000 ? `${Math.floor(code / 1000)}xxx` : String(code) });
      void gw.closed((this as Sock).s).catch(noop);
    };
    this.accept = new TokenBucket(opts.acceptRate, opts.acceptBurst);
    this.wss = new WebSocketServer({
      noServer: true, maxPayload: opts.maxPayload, perMessageDeflate: false, clientTracking: false,
      // invalid UTF-8 reaches the decoder and gets a bad_frame error instead of a 1007 close
      skipUTF8Validation: true,
      handleProtocols: (offered) => (offered.has(SUBPROTOCOL_MSGPACK) ? SUBPROTOCOL_MSGPACK : offered.has(SUBPROTOCOL_JSON) ? SUBPROTOCOL_JSON : false),
    });
    // headers (and so an upgrade request) must arrive within the handshake timeout; Node checks every
    // second, from the connection's first moment, so a socket that sends nothing is dropped too. No
    // `server.timeout`: its per-socket Timeout outlives the upgrade (ws clears it but keeps it
    // referenced), about 170 bytes of heap per open connection for nothing
    const hs = opts.handshakeTimeoutMs;
    this.http = createServer({ headersTimeout: hs, requestTimeout: hs, connectionsCheckingInterval: Math.min(1000, hs) },
      (req, res) => void route(this.ctx, req, res).catch(logError));
    this.http.on('connection', (sock: Pending) => this.connection(sock));
    this.http.on('upgrade', (req, socket, head) => void this.upgrade(req, socket, head).catch((err) => {
      logError(err);
      socket.destroy();
    }));
  }

  /** starts listening; resolves with the bound port */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.opts.port, this.opts.host, this.opts.backlog, () => resolve());
    });
    const { hub, outbox, presence } = this.ctx;
    this.timer = setInterval(() => sweep(hub, outbox, this.opts.slowMs), this.opts.heartbeatMs).unref();
    presence.start?.(this.opts.presenceBeatMs, () => hub.users());
    return this.port;
  }

  get port(): number {
    const a = this.http.address();
    return typeof a === 'object' && a ? a.port : this.opts.port;
  }

  /** queues an error frame from the catalogue */
  sendError(s: Session, code: ErrorCode, detail?: string, ref?: string): void {
    this.ctx.metrics.errors.inc({ code });
    const frame: ServerFrame = { op: 'error', code, message: detail ? `${ERRORS[code].message}: ${detail}` : ERRORS[code].message };
    if (ref !== undefined) frame.ref = ref;
    this.ctx.send(s, frame);
  }

  /** every TCP connection counts toward maxConnections from its first byte, not from its upgrade */
  private connection(sock: Pending): void {
    if (this.hub.size + this.pending >= this.opts.maxConnections + HTTP_MARGIN) {
      this.ctx.metrics.rejected.inc({ reason: 'max_connections' });
      return void sock.destroy();
    }
    this.pending++;
    sock.bfgPending = true;
    sock.once('close', this.onPendingClose);
  }

  /** one listener shared by every pending socket (`this` is the socket), no closure per connection */
  private readonly onPendingClose = ((gw: Gateway) => function (this: Pending) { gw.settled(this); })(this);

  /** a pending connection became a session, or closed: it no longer counts as pending */
  private settled(sock: Pending): void {
    if (!sock.bfgPending) return;
    sock.bfgPending = false;
    this.pending--;
    // a session's socket would otherwise keep the once-wrapper, its bound function and a listener
    // array for its whole life: about 200 bytes of heap per open connection
    sock.removeListener('close', this.onPendingClose);
  }

  /** open pending (not upgraded) connections: they count toward maxConnections */
  get pendingConnections(): number {
    return this.pending;
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (this.draining) return void socket.destroy();
    const origin = req.headers.origin;
    if (!originAllowed(this.ctx, origin)) {
      // a page on another site must not open a socket with its visitor's network position or cookies
      this.ctx.metrics.rejected.inc({ reason: 'origin' });
      socket.end(`HTTP/1.1 ${ERRORS.forbidden.status} Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nforbidden: origin ${String(origin).slice(0, 100)} is not in --allowed-origins\n`);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://gateway');
    let refusal: [number, string, string] | undefined;
    let user = url.searchParams.get('user') ?? '';
    let allowed: string[] | undefined;
    if (!this.accept.take()) refusal = [CLOSE.overloaded, 'accept_rate', 'overloaded: accept rate exceeded'];
    else if (this.hub.size >= this.opts.maxConnections) refusal = [CLOSE.overloaded, 'max_connections', 'overloaded: connection limit reached'];
    else if (this.opts.auth === 'none') {
      const bad = user ? userProblem(user) : undefined;
      if (bad) refusal = [CLOSE.authFailed, 'auth', `auth_failed: user: ${bad}`];
    } else {
      try {
        const claims = await verifyToken(this.opts.jwtSecret!, url.searchParams.get('token') ?? '');
        user = claims.sub;
        allowed = claims.rooms;
      } catch (err) {
        refusal = [CLOSE.authFailed, 'auth', `auth_failed: ${(err as Error).message}`.slice(0, 120)];
      }
    }
    if (socket.destroyed) return; // gone while the token was checked
    // ws writes the 101 and calls back synchronously: corked, the 101 and the hello leave in one write
    // (one syscall and one TCP segment fewer per connection on both ends)
    socket.cork();
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.settled(socket as Pending);
      if (refusal) {
        this.ctx.metrics.rejected.inc({ reason: refusal[1] });
        return ws.close(refusal[0], refusal[2]);
      }
      this.open(ws as Sock, user || `anon-${this.nextId}`, allowed);
    });
    socket.uncork();
  }

  private open(ws: Sock, user: string, allowed: string[] | undefined): void {
    const s = new Session(this.nextId++, ws, user, formatOf(ws.protocol), allowed);
    ws.s = s;
    this.ctx.metrics.connections.inc();
    ws.on('message', this.onMessage);
    ws.on('error', noop);
    ws.on('close', this.onClose);
    // presence is written for the user's first session on this node only, not per connection or beat
    if (this.ctx.rooms.connect(s)) void this.ctx.presence.online(user, this.opts.node).catch(noop);
    // written now, not at the end of the turn, so that it joins the 101 in upgrade()'s corked write
    s.socket.write(framed({ op: 'hello', node: this.opts.node, user, heartbeatMs: this.opts.heartbeatMs }, s.format));
    this.ctx.metrics.messagesOut.inc();
  }

  /** removes a closed session from everything it was part of */
  async closed(s: Session): Promise<void> {
    const { removed, last, done } = this.ctx.rooms.disconnect(s);
    if (!removed) return;
    s.closing = true;
    this.ctx.metrics.connections.dec();
    // an unsubscribe that fails (bus down) must not stop the rest of the clean-up
    for (const room of [...(s.rooms ?? [])]) await leaveQuietly(this.ctx, s, room).catch(noop);
    // the user's last session on this node: its presence entry for this node goes
    if (last) await this.ctx.presence.offline(s.user, this.opts.node).catch(noop);
    await done;
  }

  /** SIGTERM behaviour: stop accepting, send drain with per-client jitter, close everyone, stop */
  async drain(graceMs = 5000): Promise<void> {
    this.draining = true;
    const stopped = new Promise<void>((r) => this.http.close(() => r()));
    for (const s of this.hub.sessions()) {
      this.ctx.send(s, { op: 'drain', retryAfterMs: Math.round(Math.random() * this.opts.drainJitterMs) });
    }
    this.ctx.outbox.flush();
    for (const s of this.hub.sessions()) s.ws.close(CLOSE.goingAway, 'draining');
    const deadline = Date.now() + graceMs;
    while (this.hub.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const s of this.hub.sessions()) s.ws.terminate();
    await this.close(stopped);
  }

  /** stops at once: closes sockets, the HTTP server and the parts */
  async close(stopped?: Promise<void>): Promise<void> {
    this.draining = true;
    clearInterval(this.timer);
    for (const s of this.hub.sessions()) s.ws.terminate();
    this.http.closeAllConnections();
    await (stopped ?? new Promise<void>((r) => this.http.close(() => r())));
    await Promise.all([this.ctx.broker.close(), this.ctx.presence.close()]);
  }
}

function noop(): void {}
function logError(err: unknown): void {
  console.error(`bfg serve: internal error: ${(err as Error)?.stack ?? err}`);
}
