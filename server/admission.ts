/**
 * Admission: every TCP connection counts toward maxConnections from its first byte, and an upgrade
 * becomes a session only past the origin check, the accept rate, the connection cap and the token.
 * A refused upgrade is completed and closed with its code, so the client hears why.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { CLOSE, ERRORS, userProblem, verifyToken } from '../protocol/index.js';
import type { Context } from './context.js';
import { originAllowed } from './http.js';
import { TokenBucket } from './limits.js';
import { clientAddress } from './proxy-header.js';

/** a TCP connection not yet a session: counted toward maxConnections until upgraded or closed */
type Unadmitted = Socket;
/** connections beyond maxConnections still let in, so a full node answers /health and refuses upgrades with 1013 */
const HTTP_MARGIN = 64;

/** What an admitted upgrade opens: the socket, the user and the rooms its token allows. */
export type OpenSession = (ws: WebSocket, user: string, allowed: string[] | undefined) => void;

export class Admission {
  /** TCP connections not (yet) upgraded to sessions, oldest first: half-open upgrades, HTTP clients */
  private readonly unadmitted = new Set<Unadmitted>();
  private readonly accept: TokenBucket;
  /** set when the node drains: no upgrade is admitted */
  draining = false;
  private anon = 1;
  /** open sessions by client address (the PROXY header's with --proxy-protocol): the per-IP cap and bfg_client_addresses */
  private readonly perIp = new Map<string, number>();
  private refusalLogged = 0;

  /** one line a minute at most: a flood of refusals must not become a flood of log lines */
  private logRefusal(line: string): void {
    if (Date.now() - this.refusalLogged < 60_000) return;
    this.refusalLogged = Date.now();
    console.error(`bfg serve: refused a connection: ${line} (further refusals counted in bfg_rejected_connections_total, logged at most once a minute)`);
  }

  constructor(private readonly ctx: Context, private readonly wss: WebSocketServer, private readonly openSession: OpenSession) {
    this.accept = new TokenBucket(ctx.opts.acceptRate, ctx.opts.acceptBurst);
  }

  /** open connections not upgraded: they count toward maxConnections */
  get count(): number {
    return this.unadmitted.size;
  }

  /**
   * A new TCP connection, counted. When the node is full, the oldest connection still not upgraded
   * makes room for it: a flood of slow or half-open upgrades can hold a node's spare slots only for
   * as long as nobody else arrives, never keep a prompt client out. Only when every slot is a
   * session is the new connection dropped.
   */
  connection(sock: Unadmitted): void {
    if (this.ctx.hub.size + this.unadmitted.size >= this.ctx.opts.maxConnections + HTTP_MARGIN) {
      const oldest = this.unadmitted.values().next().value;
      if (!oldest) {
        this.ctx.metrics.rejected.inc({ reason: 'max_connections' });
        return void sock.destroy();
      }
      this.ctx.metrics.rejected.inc({ reason: 'evicted_handshake' });
      this.settled(oldest);
      oldest.destroy();
    }
    this.unadmitted.add(sock);
    sock.once('close', this.onClose);
  }

  /** one listener shared by every unadmitted socket (`this` is the socket), no closure per connection */
  private readonly onClose = ((a: Admission) => function (this: Unadmitted) { a.settled(this); })(this);

  /** an unadmitted connection became a session, or closed: it no longer counts */
  private settled(sock: Unadmitted): void {
    if (!this.unadmitted.delete(sock)) return;
    // a session's socket would otherwise keep the once-wrapper, its bound function and a listener
    // array for its whole life: about 200 bytes of heap per open connection
    sock.removeListener('close', this.onClose);
  }

  /** an upgrade request: admitted as a session, or completed and closed with the reason */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { ctx } = this, opts = ctx.opts;
    if (this.draining) return void socket.destroy();
    const origin = req.headers.origin;
    if (!originAllowed(ctx, origin)) {
      // a page on another site must not open a socket with its visitor's network position or cookies
      ctx.metrics.rejected.inc({ reason: 'origin' });
      socket.end(`HTTP/1.1 ${ERRORS.forbidden.status} Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nforbidden: origin ${String(origin).slice(0, 100)} is not in --allowed-origins\n`);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://gateway');
    let refusal: [number, string, string] | undefined;
    let user = url.searchParams.get('user') ?? '';
    let allowed: string[] | undefined;
    if (!this.accept.take()) refusal = [CLOSE.overloaded, 'accept_rate', 'overloaded: accept rate exceeded'];
    else if (ctx.hub.size >= opts.maxConnections) refusal = [CLOSE.overloaded, 'max_connections', 'overloaded: connection limit reached'];
    else if (opts.auth === 'none') {
      const bad = user ? userProblem(user) : undefined;
      if (bad) refusal = [CLOSE.authFailed, 'auth', `auth_failed: user: ${bad}`];
    } else {
      try {
        const claims = await verifyToken(opts.jwtSecret!, url.searchParams.get('token') ?? '', { maxLifetimeS: opts.maxTokenLifetime, skewS: 60 });
        user = claims.sub;
        allowed = claims.rooms;
      } catch (err) {
        refusal = [CLOSE.authFailed, 'auth', `auth_failed: ${(err as Error).message}`.slice(0, 120)];
      }
    }
    if (socket.destroyed) return; // gone while the token was checked
    // checked after the token's await, in the same turn as the session opens: a burst cannot pass them
    const ip = clientAddress(socket as Socket);
    if (!refusal && user && ctx.hub.ofUser(user).length >= opts.maxConnectionsPerUser) {
      refusal = [CLOSE.overloaded, 'per_user', `overloaded: user ${user.slice(0, 40)} has ${opts.maxConnectionsPerUser} connections on this node (--max-connections-per-user)`];
    } else if (!refusal && opts.maxConnectionsPerIp > 0 && (this.perIp.get(ip) ?? 0) >= opts.maxConnectionsPerIp) {
      refusal = [CLOSE.overloaded, 'per_ip', `overloaded: ${opts.maxConnectionsPerIp} connections from this address (--max-connections-per-ip)`];
    }
    // ws writes the 101 and calls back synchronously: corked, the 101 and the hello leave in one write
    // (one syscall and one TCP segment fewer per connection on both ends)
    socket.cork();
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.settled(socket as Unadmitted);
      if (refusal) {
        ctx.metrics.rejected.inc({ reason: refusal[1] });
        if (refusal[1] === 'per_ip') this.logRefusal(`${refusal[2]}: ${ip}`);
        return ws.close(refusal[0], refusal[2]);
      }
      // kept whatever the cap: /metrics shows how many client addresses this node serves (behind a
      // balancer without --proxy-protocol, one)
      this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
      ctx.metrics.clientAddresses.set(this.perIp.size);
      ws.once('close', () => {
        const n = (this.perIp.get(ip) ?? 1) - 1;
        if (n > 0) this.perIp.set(ip, n);
        else this.perIp.delete(ip);
        ctx.metrics.clientAddresses.set(this.perIp.size);
      });
      this.openSession(ws, user || `anon-${this.anon++}`, allowed);
    });
    socket.uncork();
  }
}
