'use strict';
/**
 * Artillery engine for BFG gateways. Artillery loads engines synchronously with require(), so this
 * file is CommonJS. Steps of a scenario flow:
 *   - connect: { user?: "{{ $uuid }}", protocol?: "bfg.v1.json" }   open the socket (target = config.target)
 *   - join: { room: "lobby" }                                        join and wait for `joined`
 *   - send: { room: "lobby", body: "hi" }                            send, wait for its ack
 *   - expect: { seconds: 1 }                                         keep receiving for a while
 *   - think: 0.5                                                     Artillery's pause
 *   - close: {}                                                      close and count what is missing
 * Metrics: counters bfg.sent, bfg.acked, bfg.received, bfg.duplicated, bfg.reordered, bfg.lost and
 * bfg.errors.<code>; histograms bfg.fanout_latency_ms (sender's send time to this receiver) and
 * bfg.ack_ms.
 */
const WebSocket = require('ws');

class BfgEngine {
  constructor(script, ee, helpers) {
    this.script = script;
    this.ee = ee;
    this.helpers = helpers;
    this.target = script.config.target;
  }

  createScenario(spec, ee) {
    const steps = spec.flow.map((rs) => this.step(rs, ee));
    return (context, callback) => {
      ee.emit('started');
      const state = { ws: null, waiters: [], rooms: new Map(), id: 0 };
      context.bfg = state;
      const run = async () => {
        for (const s of steps) await s(context);
      };
      run().then(
        () => { finish(state, ee); ee.emit('done'); callback(null, context); },
        (err) => { finish(state, ee); ee.emit('error', err.code || err.message); callback(err, context); },
      );
    };
  }

  step(rs, ee) {
    const h = this.helpers;
    if (rs.think !== undefined) return () => new Promise((r) => setTimeout(r, Number(rs.think) * 1000));
    if (rs.connect) {
      return (ctx) => new Promise((resolve, reject) => {
        const user = encodeURIComponent(h.template(rs.connect.user || `art-${Math.random().toString(36).slice(2, 10)}`, ctx));
        const ws = new WebSocket(`${this.target.replace(/\/$/, '')}/?user=${user}`, rs.connect.protocol || 'bfg.v1.json');
        ctx.bfg.ws = ws;
        ws.on('message', (d) => onFrame(ctx.bfg, ee, JSON.parse(String(d))));
        ws.on('error', reject);
        ws.once('open', () => resolve());
      });
    }
    if (rs.join) {
      return (ctx) => {
        const room = h.template(rs.join.room, ctx);
        ctx.bfg.ws.send(JSON.stringify({ op: 'join', room }));
        return waitFor(ctx.bfg, (f) => f.op === 'joined' && f.room === room, 10000).then(() => {});
      };
    }
    if (rs.send) {
      return (ctx) => {
        const room = h.template(rs.send.room, ctx);
        const id = `a${process.pid}-${++ctx.bfg.id}-${Math.random().toString(36).slice(2, 8)}`;
        const t = Date.now();
        ctx.bfg.ws.send(JSON.stringify({ op: 'send', room, id, body: h.template(rs.send.body || 'hello', ctx), meta: { t } }));
        ee.emit('counter', 'bfg.sent', 1);
        return waitFor(ctx.bfg, (f) => (f.op === 'ack' || f.op === 'error') && (f.id === id || f.ref === id), 10000).then((f) => {
          if (f.op === 'ack') {
            ee.emit('counter', 'bfg.acked', 1);
            ee.emit('histogram', 'bfg.ack_ms', Date.now() - t);
            const tr = ctx.bfg.rooms.get(room);
            if (tr) see(tr, f.seq);
          }
        });
      };
    }
    if (rs.expect) return () => new Promise((r) => setTimeout(r, Number(rs.expect.seconds || 1) * 1000));
    if (rs.close) return (ctx) => { ctx.bfg.ws.close(); return Promise.resolve(); };
    return () => Promise.resolve();
  }
}

/** ledger: true when seq is new for this room track */
function see(tr, seq) {
  if (seq === tr.last + 1) { tr.last = seq; return 'fresh'; }
  if (seq > tr.last) { for (let s = tr.last + 1; s < seq; s++) tr.missing.add(s); tr.last = seq; return 'fresh'; }
  if (tr.missing.delete(seq)) return 'late';
  return 'dup';
}

function onFrame(state, ee, f) {
  // the track starts here, not when the join step resumes: messages right behind `joined` count
  if (f.op === 'joined' && !state.rooms.has(f.room)) state.rooms.set(f.room, { last: f.head, missing: new Set() });
  if (f.op === 'msg') {
    const tr = state.rooms.get(f.room);
    const kind = tr ? see(tr, f.seq) : 'fresh';
    if (kind === 'dup') ee.emit('counter', 'bfg.duplicated', 1);
    else {
      if (kind === 'late') ee.emit('counter', 'bfg.reordered', 1);
      ee.emit('counter', 'bfg.received', 1);
      if (f.meta && typeof f.meta.t === 'number') ee.emit('histogram', 'bfg.fanout_latency_ms', Date.now() - f.meta.t);
    }
  } else if (f.op === 'error') ee.emit('counter', `bfg.errors.${f.code}`, 1);
  state.waiters = state.waiters.filter((w) => !(w.pred(f) && (w.resolve(f), true)));
}

function waitFor(state, pred, ms) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(Object.assign(new Error('bfg: timed out waiting for the gateway'), { code: 'bfg_timeout' })), ms);
    state.waiters.push({ pred, resolve: (f) => { clearTimeout(t); resolve(f); } });
  });
}

function finish(state, ee) {
  let lost = 0;
  for (const tr of state.rooms.values()) lost += tr.missing.size;
  if (lost) ee.emit('counter', 'bfg.lost', lost);
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.close();
}

module.exports = BfgEngine;
