/**
 * The reference gateway, composed: ws sockets and HTTP on one port, admission in front, sessions
 * behind, wired to a Hub, a Broker and presence; listen, drain and close.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { CLOSE, ERRORS, SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, SUBPROTOCOL_PROTO, type ErrorCode, type ServerFrame } from '../protocol/index.js';
import { Admission } from './admission.js';
import type { Context } from './context.js';
import { route } from './http.js';
import type { Hub } from './hub.js';
import { createMetrics } from './metrics.js';
import { gatewayOptions, type GatewayOptions } from './options.js';
import { Outbox, framed } from './outbox.js';
import { readProxyHeader } from './proxy-header.js';
import { memoryParts, type Parts } from './parts.js';
import { Rooms } from './rooms.js';
import { fanOutSignal } from './ephemeral.js';
import { Shedder } from './shedder.js';
import { pendingBytes } from './socket-write.js';
import type { Session } from './session.js';
import { Sessions } from './sessions.js';
import { sweep } from './sweeper.js';

export type { Parts } from './parts.js';

export class Gateway {
  readonly opts: Readonly<GatewayOptions>;
  readonly ctx: Context;
  /** this node's sessions by id, user and room */
  readonly hub: Hub;
  private readonly http: Server;
  /** what listens on the public port: the HTTP server, or with --proxy-protocol a TCP server that reads the header first */
  private readonly front: Server | TcpServer;
  /** /metrics and /health apart from the public port (--metrics-port) */
  private readonly ops?: Server;
  private readonly admission: Admission;
  private readonly sessions: Sessions;
  private timer?: NodeJS.Timeout;
  private proxyLogged = 0;
  private readonly notifyRelay?: Parts['notifyRelay'];

  /** `parts` from openParts (Redis, Kafka); what it leaves out is embedded */
  constructor(options: Partial<GatewayOptions> = {}, parts: Partial<Parts> = {}) {
    const opts = (this.opts = gatewayOptions(options));
    const { hub, broker, presence, archive, notifyRelay } = { ...memoryParts(opts), ...parts };
    this.notifyRelay = notifyRelay;
    this.hub = hub;
    const metrics = createMetrics(opts.node);
    const outbox = new Outbox(opts.slowBytes, metrics);
    archive?.register(metrics.registry);
    const rooms = new Rooms(opts.node, hub, broker, outbox, metrics, opts.maxRecover);
    // the sum over sessions is read once a second at most (the shedder's window is 250 ms)
    let outAt = 0, out = 0;
    const outboxBytes = () => (Date.now() - outAt >= 1000 ? ((outAt = Date.now()), (out = queuedBytes(hub))) : out);
    const shedder = new Shedder({ loopMs: opts.shedLoopMs, outboxBytes: opts.shedOutboxBytes, recoverMs: opts.shedRecoverMs, latencyMs: opts.shedLatencyMs }, opts.shed,
      () => ({ outboxBytes: outboxBytes(), storeDown: !broker.health().store, deliveryP99Ms: metrics.latency.windowQuantile(0.99) * 1000 }), (level) => metrics.shedLevel.set(level));
    this.ctx = {
      opts, metrics, outbox, broker, hub, rooms, presence, shedder, ...(archive ? { archive } : {}),
      send: (s, frame) => outbox.push(s, framed(frame, s.format)),
      error: (s, code, detail, ref) => this.sendError(s, code, detail, ref),
    };
    const wss = new WebSocketServer({
      noServer: true, maxPayload: opts.maxPayload, perMessageDeflate: false, clientTracking: false,
      // invalid UTF-8 reaches the decoder and gets a bad_frame error instead of a 1007 close
      skipUTF8Validation: true,
      // a client offering several gets the most compact it offers
      handleProtocols: (offered) => [SUBPROTOCOL_PROTO, SUBPROTOCOL_MSGPACK, SUBPROTOCOL_JSON].find((p) => offered.has(p)) ?? false,
    });
    rooms.onSignal = (topic, sig) => fanOutSignal(this.ctx, topic, sig);
    this.sessions = new Sessions(this.ctx);
    this.admission = new Admission(this.ctx, wss, (ws, user, allowed) => this.sessions.open(ws, user, allowed));
    // headers (and so an upgrade request) must arrive within the handshake timeout; Node checks every
    // second, from the connection's first moment, so a socket that sends nothing is dropped too. No
    // `server.timeout`: its per-socket Timeout outlives the upgrade (ws clears it but keeps it
    // referenced), heap per open connection for nothing
    const hs = opts.handshakeTimeoutMs;
    this.http = createServer({ headersTimeout: hs, requestTimeout: hs, connectionsCheckingInterval: Math.min(1000, hs) },
      (req, res) => void route(this.ctx, req, res).catch(logError));
    this.http.on('connection', (sock: Socket) => this.admission.connection(sock));
    if (opts.metricsPort !== undefined) {
      this.ops = createServer({ headersTimeout: hs, requestTimeout: hs }, (req, res) => void route(this.ctx, req, res, 'metrics').catch(logError));
    }
    this.front = opts.proxyProtocol
      ? createTcpServer((sock) => readProxyHeader(sock, hs, (s) => this.http.emit('connection', s), (why) => {
        metrics.rejected.inc({ reason: 'proxy_header' });
        // one line a minute at most: a misconfigured balancer would otherwise write one per connection
        if (Date.now() - this.proxyLogged > 60_000) {
          this.proxyLogged = Date.now();
          console.error(`bfg serve: refused a connection from ${sock.remoteAddress}: ${why} (counted in bfg_rejected_connections_total{reason="proxy_header"})`);
        }
      }))
      : this.http;
    this.http.on('upgrade', (req, socket, head) => void this.admission.upgrade(req, socket, head).catch((err) => {
      logError(err);
      socket.destroy();
    }));
  }

  /** starts listening; resolves with the bound port */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.front.once('error', reject);
      this.front.listen(this.opts.port, this.opts.host, this.opts.backlog, () => resolve());
    });
    const ops = this.ops;
    if (ops) {
      await new Promise<void>((resolve, reject) => {
        ops.once('error', reject);
        ops.listen(this.opts.metricsPort, this.opts.metricsHost, () => resolve());
      });
    }
    const { hub, outbox, presence } = this.ctx;
    this.timer = setInterval(() => sweep(hub, outbox, this.opts.slowMs), this.opts.heartbeatMs).unref();
    presence.start?.(this.opts.presenceBeatMs, () => hub.users());
    this.ctx.shedder.start();
    return this.port;
  }

  get port(): number {
    const a = this.front.address();
    return typeof a === 'object' && a ? a.port : this.opts.port;
  }

  /** the --metrics-port listener's bound port, or undefined without one */
  get metricsPort(): number | undefined {
    const a = this.ops?.address();
    return typeof a === 'object' && a ? a.port : this.opts.metricsPort;
  }

  /** queues an error frame from the catalogue */
  sendError(s: Session, code: ErrorCode, detail?: string, ref?: string): void {
    this.ctx.metrics.errors.inc({ code });
    const frame: ServerFrame = { op: 'error', code, message: detail ? `${ERRORS[code].message}: ${detail}` : ERRORS[code].message };
    if (ref !== undefined) frame.ref = ref;
    this.ctx.send(s, frame);
  }

  /** open connections not upgraded to sessions (half-open upgrades, HTTP clients): they count toward maxConnections */
  get unadmittedConnections(): number {
    return this.admission.count;
  }

  /** removes a closed session from everything it was part of */
  closed(s: Session): Promise<void> {
    return this.sessions.closed(s);
  }

  /** SIGTERM behaviour: stop accepting, send drain with per-client jitter, close everyone, stop */
  async drain(graceMs = 5000): Promise<void> {
    this.admission.draining = true;
    const stopped = this.stopListening();
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

  /** stops accepting on the public port; resolves when its open connections are gone */
  private stopListening(): Promise<void> {
    const http = new Promise<void>((r) => this.http.close(() => r()));
    if (this.front === this.http) return http;
    return Promise.all([http, new Promise<void>((r) => this.front.close(() => r()))]).then(() => {});
  }

  /** stops at once: closes sockets, the HTTP server and the parts */
  async close(stopped?: Promise<void>): Promise<void> {
    this.admission.draining = true;
    clearInterval(this.timer);
    this.ctx.shedder.stop();
    for (const s of this.hub.sessions()) s.ws.terminate();
    this.http.closeAllConnections();
    this.ops?.closeAllConnections();
    await Promise.all([stopped ?? this.stopListening(), this.ops?.listening && new Promise<void>((r) => this.ops!.close(() => r()))]);
    await this.ctx.archive?.close(); // before the broker, whose Redis connection it shares
    await this.notifyRelay?.close();
    await Promise.all([this.ctx.broker.close(), this.ctx.presence.close()]);
  }
}

/** output queued for every client of this node (read once a shedder window; O(sessions), a sum of two fields each) */
function queuedBytes(hub: Hub): number {
  let n = 0;
  for (const s of hub.sessions()) n += pendingBytes(s);
  return n;
}

function logError(err: unknown): void {
  console.error(`bfg serve: internal error: ${(err as Error)?.stack ?? err}`);
}
