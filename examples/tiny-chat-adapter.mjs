// A protocol plugin for `bfg load`: the worked example of docs/protocols.md.
//
//   bfg load my-scenario.yaml --protocol ./examples/tiny-chat-adapter.mjs --target ws://127.0.0.1:9000
//
// "tiny-chat" is a small JSON chat protocol with a handshake, acks and server pings:
//   client: {"type":"hello","user":U}                      server: {"type":"welcome"}
//   client: {"type":"sub","room":R}                         server: {"type":"subscribed","room":R}
//   client: {"type":"pub","room":R,"id":I,"data":{...}}     server: {"type":"ok","id":I} to the sender,
//                                                            {"type":"event","room":R,"data":{...}} to the others
//   server: {"type":"ping"}                                 client: {"type":"pong"}
//
// One adapter object serves every socket of an agent: keep per-connection state in `vu.proto`, never
// in closures or timers per socket. Read `vu.user`, `vu.room` and `vu.id`; write only through the sink.

/** the adapter seam this module was written against (bfg refuses a module that speaks another) */
export const apiVersion = 1;
export const name = 'tiny-chat';

/** a stamp as the generator wrote it, or undefined for anything else */
function stampOf(v) {
  return v && typeof v.s === 'number' && typeof v.n === 'number' && typeof v.k === 'number' && typeof v.i === 'number' && typeof v.t === 'number' ? v : undefined;
}

/** Builds the adapter; `options` is the scenario's `plugin_options`. */
export function createAdapter(sink, options) {
  const path = typeof options.path === 'string' ? options.path : '/chat';
  const send = (vu, frame) => sink.write(vu, Buffer.from(JSON.stringify(frame)), false);
  return {
    name,
    // what the ledger checks: no server seq, per-sender order, no recovery, no history, no DMs
    guarantees: { seq: false, recovery: false, order: 'sender', history: false, dm: false },
    // the server does not send a publisher its own message
    echo: false,
    dial(base) {
      return { url: new URL(path, base), subprotocol: 'tiny-chat.v1' };
    },
    // the handshake: joins wait for ready(), which the server's welcome brings
    opened(vu) {
      send(vu, { type: 'hello', user: vu.user });
    },
    join(vu, room) {
      send(vu, { type: 'sub', room });
    },
    publish(vu, room, id, stamp, body) {
      send(vu, { type: 'pub', room, id, data: { stamp, body } });
    },
    // `at` is when the socket read these bytes: latency is measured to it, not to when this runs
    frame(vu, payload, _binary, at) {
      let m;
      try {
        m = JSON.parse(payload.toString('utf8'));
      } catch {
        return sink.undecodable(vu);
      }
      switch (m?.type) {
        case 'event': return sink.message(vu, typeof m.room === 'string' ? m.room : vu.room, undefined, stampOf(m.data?.stamp), at);
        case 'welcome': return sink.ready(vu);
        case 'subscribed': return sink.joined(vu, m.room, at);
        case 'ok': return sink.acked(vu, m.id);
        case 'ping': return send(vu, { type: 'pong' }); // a reply the client owes: not measured
        case 'error': return sink.error(vu, String(m.code ?? 'error'), m.id);
        default: return sink.undecodable(vu);
      }
    },
    closed() {},
  };
}
