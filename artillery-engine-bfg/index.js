'use strict';
/**
 * Artillery engine for BFG gateways. Artillery loads engines synchronously with require(), so this
 * file is CommonJS, and it shares bfg load's own code through a CommonJS build (lib/, made by
 * `npm run build`): the frame codec (JSON, msgpack and Protocol Buffers) and the delivery ledger.
 * Steps of a scenario flow:
 *   - connect: { user?: "{{ $uuid }}", format?: "json" | "msgpack" | "proto" }  open the socket (target = config.target;
 *                                                                     format also from config.engines.bfg.format)
 *   - join: { room: "lobby" }                                        join and wait for `joined`
 *   - send: { room: "lobby", body: "hi" }                            send, wait for its ack
 *   - expect: { seconds: 1 }                                         keep receiving for a while
 *   - think: 0.5                                                     Artillery's pause
 *   - close: {}                                                      close the ledger (below) and the socket
 * The ledger is bfg load's: per room, seqs must be contiguous from the join; at close, what is missing
 * is read back from the gateway's history — found there: bfg.backfilled (or the user's own message,
 * not expected); not found: bfg.lost. So bfg.lost means what `bfg load`'s lost means.
 * Metrics: counters bfg.sent, bfg.acked, bfg.received (= delivered), bfg.expected, bfg.backfilled,
 * bfg.lost, bfg.duplicated, bfg.reordered and bfg.errors.<code>; histograms bfg.fanout_latency_ms
 * (sender's send time to this receiver, both on this host's clock) and bfg.ack_ms.
 */
const WebSocket = require('ws');
const { encodeFrame, decodeServerFrame, subprotocolOf } = require('./lib/protocol/codec.js');
const { Ledger, Track } = require('./lib/loadgen/measure/ledger.js');

const now = () => performance.timeOrigin + performance.now();

class BfgEngine {
  constructor(script, ee, helpers) {
    this.script = script;
    this.ee = ee;
    this.helpers = helpers;
    this.target = script.config.target;
    this.format = (script.config.engines && script.config.engines.bfg && script.config.engines.bfg.format) || 'json';
  }

  createScenario(spec, ee) {
    const steps = spec.flow.map((rs) => this.step(rs, ee));
    return (context, callback) => {
      ee.emit('started');
      const state = { ws: null, format: this.format, user: '', waiters: [], ledger: new Ledger(), tracks: new Map(), heads: new Map(), id: 0, closed: false };
      context.bfg = state;
      const run = async () => {
        for (const s of steps) await s(context);
      };
      run().then(
        () => finish(state, ee, this.target).then(() => { ee.emit('done'); callback(null, context); }),
        (err) => finish(state, ee, this.target).then(() => { ee.emit('error', err.code || err.message); callback(err, context); }),
      );
    };
  }

  step(rs, ee) {
    const h = this.helpers;
    if (rs.think !== undefined) return () => new Promise((r) => setTimeout(r, Number(rs.think) * 1000));
    if (rs.connect) {
      return (ctx) => new Promise((resolve, reject) => {
        const st = ctx.bfg;
        st.format = rs.connect.format || st.format;
        st.user = h.template(rs.connect.user || `art-${Math.random().toString(36).slice(2, 10)}`, ctx);
        const ws = new WebSocket(`${this.target.replace(/\/$/, '')}/?user=${encodeURIComponent(st.user)}`, subprotocolOf(st.format));
        st.ws = ws;
        ws.on('message', (d) => onFrame(st, ee, d, now()));
        ws.on('error', reject);
        ws.once('open', () => resolve());
      });
    }
    if (rs.join) {
      return (ctx) => {
        const room = h.template(rs.join.room, ctx);
        send(ctx.bfg, { op: 'join', room });
        return waitFor(ctx.bfg, (f) => f.op === 'joined' && f.room === room, 10000).then(() => {});
      };
    }
    if (rs.send) {
      return (ctx) => {
        const st = ctx.bfg;
        const room = h.template(rs.send.room, ctx);
        const id = `a${process.pid}-${++st.id}-${Math.random().toString(36).slice(2, 8)}`;
        const t = now();
        send(st, { op: 'send', room, id, body: h.template(rs.send.body || 'hello', ctx), meta: { t } });
        ee.emit('counter', 'bfg.sent', 1);
        return waitFor(st, (f) => (f.op === 'ack' && f.id === id) || (f.op === 'error' && f.ref === id), 10000).then((f) => {
          if (f.op !== 'ack') return;
          ee.emit('counter', 'bfg.acked', 1);
          ee.emit('histogram', 'bfg.ack_ms', now() - t);
          // the user's own message will not come back to it, and that is right
          const tr = st.tracks.get(room);
          if (tr) st.ledger.own(tr, f.seq);
          st.heads.set(room, Math.max(st.heads.get(room) || 0, f.seq));
        });
      };
    }
    if (rs.expect) return () => new Promise((r) => setTimeout(r, Number(rs.expect.seconds || 1) * 1000));
    if (rs.close) return (ctx) => finish(ctx.bfg, ee, this.target);
    return () => Promise.resolve();
  }
}

function send(st, f) {
  st.ws.send(encodeFrame(f, st.format), { binary: st.format !== 'json' });
}

function onFrame(st, ee, data, arrival) {
  let f;
  try {
    f = decodeServerFrame(data, st.format);
  } catch {
    ee.emit('counter', 'bfg.errors.undecodable', 1);
    return;
  }
  // the track starts here, not when the join step resumes: messages right behind `joined` count
  if (f.op === 'joined' && !st.tracks.has(f.room)) st.tracks.set(f.room, new Track(f.head));
  if (f.op === 'msg') {
    const tr = st.tracks.get(f.room);
    const before = { ...st.ledger.counts };
    const fresh = tr ? st.ledger.receive(tr, f.seq) : true;
    if (!tr) st.ledger.counts.delivered++;
    for (const k of ['duplicated', 'reordered']) if (st.ledger.counts[k] > before[k]) ee.emit('counter', `bfg.${k}`, 1);
    if (fresh) {
      ee.emit('counter', 'bfg.received', 1);
      if (f.meta && typeof f.meta.t === 'number') ee.emit('histogram', 'bfg.fanout_latency_ms', arrival - f.meta.t);
    }
  } else if (f.op === 'error') ee.emit('counter', `bfg.errors.${f.code}`, 1);
  st.waiters = st.waiters.filter((w) => !(w.pred(f) && (w.resolve(f), true)));
}

function waitFor(st, pred, ms) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(Object.assign(new Error('bfg: timed out waiting for the gateway'), { code: 'bfg_timeout' })), ms);
    st.waiters.push({ pred, resolve: (f) => { clearTimeout(t); resolve(f); } });
  });
}

/** closes every room's track as bfg load does: the gaps are read back from history, the rest is lost */
async function finish(st, ee, target) {
  if (st.closed) return;
  st.closed = true;
  const http = target.replace(/^ws/, 'http').replace(/\/$/, '');
  for (const [room, tr] of st.tracks) {
    const after = tr.missing && tr.missing.size ? Math.min(...tr.missing) - 1 : tr.last;
    const found = new Map();
    let head = Math.max(tr.last, st.heads.get(room) || 0);
    try {
      for (let from = after; ;) {
        let res;
        // the gateway bounds history reads in progress per user: wait for one to finish
        for (let tries = 0; (res = await fetch(`${http}/rooms/${encodeURIComponent(room)}/messages?after=${from}&limit=1000`)).status === 429 && tries < 100; tries++) {
          await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
        }
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const page = await res.json();
        if (Number.isSafeInteger(page.head)) head = Math.max(head, page.head);
        for (const m of page.messages) found.set(m.seq, m.from);
        if ((!page.more && page.messages.length < 1000) || !page.messages.length) break;
        from = page.messages[page.messages.length - 1].seq;
      }
    } catch {
      ee.emit('counter', 'bfg.errors.backfill_failed', 1);
    }
    st.ledger.close(tr, head, found, st.user);
  }
  const c = st.ledger.counts;
  for (const k of ['expected', 'backfilled', 'lost']) if (c[k]) ee.emit('counter', `bfg.${k}`, c[k]);
  if (st.ws && st.ws.readyState === WebSocket.OPEN) st.ws.close();
}

module.exports = BfgEngine;
