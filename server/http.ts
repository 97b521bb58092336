/** HTTP routes on the gateway's port: /health, /metrics, /rooms/:room/messages. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { roomAllowed, verifyToken } from '../protocol/index.js';
import type { Context } from './context.js';

const MAX_LIMIT = 1000;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Handles one HTTP request. */
export async function route(ctx: Context, connections: () => number, req: IncomingMessage, res: ServerResponse, closeUsers: (users: string[]) => number): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://gateway');
  try {
    if (url.pathname === '/admin/close' && req.method === 'POST') {
      if (!ctx.opts.admin) return json(res, 404, { error: 'not_found', message: 'the admin route is off; start the gateway with --admin' });
      const users = (url.searchParams.get('users') ?? '').split(',').filter(Boolean);
      return json(res, 200, { closed: closeUsers(users) });
    }
    if (req.method !== 'GET') return json(res, 405, { error: 'bad_frame', message: 'only GET is served' });
    if (url.pathname === '/health') {
      const store = ctx.store.healthy(), bus = ctx.bus.healthy();
      return json(res, store && bus ? 200 : 503, {
        status: store && bus ? 'ok' : 'degraded', node: ctx.opts.node, connections: connections(),
        store: store ? 'up' : 'down', bus: bus ? 'up' : 'down',
      });
    }
    if (url.pathname === '/metrics') {
      res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType });
      return void res.end(await ctx.metrics.registry.metrics());
    }
    const m = /^\/rooms\/([^/]+)\/messages$/.exec(url.pathname);
    if (m) return await history(ctx, decodeURIComponent(m[1]), url, req, res);
    json(res, 404, { error: 'not_found', message: 'routes: /health, /metrics, /rooms/:room/messages?after=&limit=' });
  } catch (err) {
    json(res, 503, { error: 'store_unavailable', message: (err as Error).message });
  }
}

async function history(ctx: Context, room: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (ctx.opts.auth === 'jwt') {
    const token = url.searchParams.get('token') ?? req.headers.authorization?.replace(/^Bearer /i, '');
    let ok = false;
    try {
      ok = !!token && roomAllowed((await verifyToken(ctx.opts.jwtSecret!, token)).rooms, room);
    } catch { /* ok stays false */ }
    if (!ok) return json(res, 403, { error: 'forbidden', message: `a valid token allowing room ${room} is required (?token= or Authorization: Bearer)` });
  }
  const after = Number(url.searchParams.get('after') ?? 0);
  const limit = Number(url.searchParams.get('limit') ?? 100);
  if (!Number.isSafeInteger(after) || after < 0 || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    return json(res, 400, { error: 'bad_frame', message: `after must be an integer >= 0 and limit an integer in 1..${MAX_LIMIT}` });
  }
  const { head, epoch } = await ctx.store.head(room);
  const messages = await ctx.store.range(room, after, limit);
  json(res, 200, { room, head, epoch, messages });
}
