/** HTTP routes on the gateway's port: /health, /metrics (or on --metrics-port), /rooms/:room/messages, POST /admin/close. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BfgError, ERRORS, mayRead, roomProblem, userProblem, verifyToken, type Claims, type ErrorCode, type ErrorSpec } from '../protocol/index.js';
import type { Context } from './context.js';
import { pageAfter, pageBefore, type Page } from './history-page.js';

const MAX_LIMIT = 1000;

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body); // before writeHead: a body that cannot be encoded still gets an answer
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
}

/** An error answer: the code's HTTP status from the catalogue, and the code and message in the body. */
function fail(res: ServerResponse, code: ErrorCode, message: string): void {
  json(res, (ERRORS[code] as ErrorSpec).status ?? 500, { error: code, message });
}

/** True when the request carries no Origin (not a browser) or an allowed one. */
export function originAllowed(ctx: Context, origin: string | undefined): boolean {
  return origin === undefined || ctx.opts.allowedOrigins.includes('*') || ctx.opts.allowedOrigins.includes(origin);
}

/**
 * Handles one HTTP request; never rejects (an error after the headers went out ends the response).
 * `listener`: the main port, or the --metrics-port one, which serves /health and /metrics only (and
 * then the main port does not).
 */
export async function route(ctx: Context, req: IncomingMessage, res: ServerResponse, listener: 'main' | 'metrics' = 'main'): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const ops = url.pathname === '/health' || url.pathname === '/metrics';
    if (ops !== (listener === 'metrics') && (listener === 'metrics' || ctx.opts.metricsPort !== undefined)) {
      return fail(res, 'not_found', listener === 'metrics' ? 'this listener serves /health and /metrics only' : '/health and /metrics are on --metrics-port');
    }
    if (url.pathname === '/admin/close' && req.method === 'POST') return await admin(ctx, url, req, res);
    if (req.method !== 'GET') return json(res, 405, { error: 'bad_request', message: 'only GET is served (and POST /admin/close with --admin)' }); // 405: the method, not the request, is wrong
    if (url.pathname === '/health') {
      const { store, bus } = ctx.broker.health();
      const sh = ctx.shedder;
      // shedding is degraded but 200: the node still serves every message, and leaving the rotation
      // would move its load onto the rest of the fleet
      return json(res, store && bus ? 200 : 503, {
        status: store && bus && sh.level === 0 ? 'ok' : 'degraded', node: ctx.opts.node, connections: ctx.hub.size,
        store: store ? 'up' : 'down', bus: bus ? 'up' : 'down',
        shedding: sh.shed, ...(sh.level ? { shedding_since: new Date(sh.since).toISOString() } : {}),
        event_loop_p99_ms: Math.round(sh.last.loopP99Ms * 10) / 10, outbox_bytes: sh.last.outboxBytes,
        // the cold tier is reported, never a reason to leave the rotation: live chat does not need it
        ...(ctx.archive ? { archive: ctx.archive.state(), archive_lag_messages: ctx.archive.lag().messages, archive_lag_s: Math.round(ctx.archive.lag().seconds * 10) / 10 } : {}),
      });
    }
    if (url.pathname === '/metrics') {
      const text = await ctx.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType });
      return void res.end(text);
    }
    const m = /^\/rooms\/([^/]+)\/messages$/.exec(url.pathname);
    if (m) return await history(ctx, m[1], url, req, res);
    fail(res, 'not_found', 'routes: /health, /metrics, /rooms/:room/messages?after=&limit= (or ?before=&limit=)');
  } catch (err) {
    if (res.headersSent) return void res.destroy();
    fail(res, 'store_unavailable', (err as Error).message);
  }
}

/** The caller's identity: a verified token under --auth jwt, `?user=` under --auth none; undefined when refused. */
async function caller(ctx: Context, url: URL, req: IncomingMessage): Promise<Claims | undefined> {
  if (ctx.opts.auth === 'none') {
    const user = url.searchParams.get('user') ?? '';
    return user && userProblem(user) ? undefined : { sub: user };
  }
  const token = url.searchParams.get('token') ?? req.headers.authorization?.replace(/^Bearer /i, '');
  if (!token) return undefined;
  try {
    return await verifyToken(ctx.opts.jwtSecret!, token, { maxLifetimeS: ctx.opts.maxTokenLifetime, skewS: 60 });
  } catch {
    return undefined;
  }
}

async function history(ctx: Context, encoded: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let room: string;
  try {
    room = decodeURIComponent(encoded);
  } catch {
    return fail(res, 'bad_request', `the room in the path is not valid %-encoding: ${encoded.slice(0, 80)}`);
  }
  const bad = roomProblem(room);
  if (bad) return fail(res, 'bad_request', bad);
  const who = await caller(ctx, url, req);
  if (!who || !mayRead(who.sub, who.rooms, room)) {
    return fail(res, 'forbidden', ctx.opts.auth === 'jwt'
      ? `a valid token allowing room ${room} is required (?token= or Authorization: Bearer)`
      : `room ${room} is a DM room: name one of its users with ?user=`);
  }
  const q = url.searchParams;
  const backwards = q.has('before');
  const after = Number(q.get('after') ?? 0), before = Number(q.get('before') ?? 0);
  const limit = Number(q.get('limit') ?? 100);
  if (backwards && q.has('after')) return fail(res, 'bad_request', 'give after= (forwards) or before= (backwards), not both');
  if (!Number.isSafeInteger(after) || after < 0 || !Number.isSafeInteger(before) || (backwards && before < 1) || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    return fail(res, 'bad_request', `after must be an integer >= 0, before an integer >= 1, and limit an integer in 1..${MAX_LIMIT}`);
  }
  if (ctx.shedder.sheds('history')) {
    ctx.metrics.shed.inc({ kind: 'history' });
    return fail(res, 'shed', 'history reads are shed while this node is overloaded; live messages are still served');
  }
  // a read holds a page in memory until its reader takes it: bounded per user and per node
  const o = ctx.opts, reads = readsOf(ctx), mine = reads.get(who.sub) ?? 0;
  if (reads.total >= o.historyReads || mine >= o.historyReadsPerUser) {
    return fail(res, 'rate_limited', `${mine >= o.historyReadsPerUser ? `${mine} history reads of this user` : `${reads.total} history reads on this node`} in progress; retry when one has finished`);
  }
  reads.open(who.sub);
  res.once('close', () => reads.done(who.sub));
  // reading a room that has no log creates nothing, in memory or in Redis
  const found = await ctx.broker.peek(room);
  let page: Page = { parts: [], tiers: [], more: false };
  try {
    // a page ends at --max-history-bytes as encoded: bounded by bytes as well as by count (history-page.ts)
    if (found) page = backwards ? await pageBefore(ctx, room, found, before, limit) : await pageAfter(ctx, room, found, after, limit);
  } catch (err) {
    if (err instanceof BfgError && err.code === 'history_unavailable') return fail(res, err.code, err.message);
    throw err;
  }
  // a reader that stops reading is dropped: no progress for --http-write-timeout-ms ends the connection
  // (no listener: a socket timeout nobody handles destroys it; once the page is written, Node's
  // keep-alive timeout takes over)
  res.setTimeout(o.httpWriteTimeoutMs);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(`{"room":${JSON.stringify(room)},"head":${found?.head ?? 0},"epoch":${JSON.stringify(found?.epoch ?? null)},"tiers":${JSON.stringify(page.tiers)},"messages":[${page.parts.join(',')}],"more":${page.more}}`);
}

/** History reads in progress on one gateway, in all and per user. */
class Reads {
  total = 0;
  private readonly byUser = new Map<string, number>();
  get(user: string): number | undefined { return this.byUser.get(user); }
  open(user: string): void { this.total++; this.byUser.set(user, (this.byUser.get(user) ?? 0) + 1); }
  done(user: string): void {
    this.total--;
    const n = (this.byUser.get(user) ?? 1) - 1;
    if (n > 0) this.byUser.set(user, n);
    else this.byUser.delete(user);
  }
}
const allReads = new WeakMap<Context, Reads>();
const readsOf = (ctx: Context): Reads => allReads.get(ctx) ?? (allReads.set(ctx, new Reads()), allReads.get(ctx)!);

/** POST /admin/close?users=a,b: only with --admin, an admin token under --auth jwt, and never from another site. */
async function admin(ctx: Context, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!ctx.opts.admin) return fail(res, 'not_found', 'the admin route is off; start the gateway with --admin');
  if (req.headers.origin !== undefined && !originAllowed(ctx, req.headers.origin)) {
    return fail(res, 'forbidden', `origin ${req.headers.origin} may not call the admin route`);
  }
  if (ctx.opts.auth === 'jwt') {
    const who = await caller(ctx, url, req);
    if (!who?.admin) return fail(res, 'forbidden', 'the admin route needs a token with the claim admin: true (Authorization: Bearer)');
  }
  const users = (url.searchParams.get('users') ?? '').split(',').filter(Boolean);
  let closed = 0;
  for (const user of new Set(users)) {
    for (const s of ctx.hub.ofUser(user)) {
      s.ws.close(1012, 'closed by admin'); // 1012: service restart, as a deploy would
      closed++;
    }
  }
  json(res, 200, { closed });
}
