/**
 * Socket.IO v4 over Engine.IO v4's WebSocket transport only (no polling, no upgrade): `0{…}` open,
 * `40{auth}` connect (with `pid`/`offset` to recover a session), server ping `2` answered by `3`,
 * events `42[name,…]` with acks `42<id>[…]`/`43<id>[…]`. Rooms are app events: by default the
 * common chat convention — emit `join` with the room name, emit `message` with {room, stamp, body},
 * and the server relays that object to the rest of the room as `message`. No server seq: the stamp
 * ledger checks per-sender order; with connection-state recovery a reconnect is recovered or not,
 * as the server says.
 */
import type { Vu } from '../agent/vu.js';
import type { Adapter, Dial, Guarantees, ProtocolSink, Stamp } from './adapter.js';
import { pathGet, readStamp, setPath } from './adapter.js';
import type { SocketIoOptions } from '../scenario/config.js';

export type { SocketIoOptions } from '../scenario/config.js';


/** per-connection protocol state, kept on the virtual user */
interface SioState { pid: string | null; offset: string | null; acks: number; connected: boolean; token?: string }

type Pending = { kind: 'join'; room: string } | { kind: 'publish'; id: string };

const ENC = (s: string) => Buffer.from(s);

export class SocketIoAdapter implements Adapter {
  readonly name = 'socketio';
  readonly guarantees: Guarantees;
  readonly echo: boolean;
  /** requests waiting for their ack, by `<user number>:<ack id>` (ack ids never repeat per user) */
  private readonly awaitingAck = new Map<string, Pending>();
  private readonly nsp: string;
  private readonly roomPath: string[];
  private readonly stampPath: string[];
  private readonly bodyPath: string[];

  constructor(private readonly sink: ProtocolSink, private readonly o: SocketIoOptions) {
    this.guarantees = { seq: false, recovery: o.recovery, order: 'sender', history: false, dm: false };
    this.echo = o.echo;
    this.nsp = o.namespace === '/' ? '' : `${o.namespace},`;
    this.roomPath = o.paths.room.split('.');
    this.stampPath = o.paths.stamp.split('.');
    this.bodyPath = o.paths.body.split('.');
  }

  private state(vu: Vu): SioState {
    return (vu.proto ??= { pid: null, offset: null, acks: 0, connected: false }) as SioState;
  }

  dial(base: string, vu: Vu, token?: string): Dial {
    // a signed token (a run with a JWT secret) goes in the connect packet's auth, as Socket.IO apps read it
    if (token) this.state(vu).token = token;
    const url = new URL(base);
    url.pathname = this.o.path;
    url.search = '?EIO=4&transport=websocket';
    return { url };
  }

  opened(): void {
    // the server speaks first (Engine.IO open packet)
  }

  private emit(vu: Vu, args: unknown[], ack?: Pending): void {
    let id = '';
    if (ack) {
      const n = ++this.state(vu).acks;
      this.awaitingAck.set(`${vu.id}:${n}`, ack);
      id = String(n);
    }
    this.sink.write(vu, ENC(`42${this.nsp}${id}${JSON.stringify(args)}`), false);
  }

  join(vu: Vu, room: string): void {
    this.emit(vu, [this.o.events.join, room], { kind: 'join', room });
  }

  publish(vu: Vu, room: string, id: string, stamp: Stamp, body: string): void {
    const m: Record<string, unknown> = {};
    setPath(m, this.roomPath, room);
    setPath(m, this.stampPath, stamp);
    setPath(m, this.bodyPath, body);
    this.emit(vu, [this.o.events.publish, m], { kind: 'publish', id });
  }

  frame(vu: Vu, payload: Buffer, binary: boolean, readAt: number): void {
    const sink = this.sink;
    if (binary || payload.length === 0) return sink.undecodable(vu);
    const c = payload[0];
    if (c === 0x32) return sink.write(vu, ENC('3' + payload.toString('latin1', 1)), false); // ping -> pong
    if (c === 0x30) {
      // Engine.IO open: connect the namespace, resuming the last session where there is one
      const st = this.state(vu);
      const auth: Record<string, unknown> = { user: vu.user, ...(st.token ? { token: st.token } : {}), ...this.o.auth };
      if (this.o.recovery && st.pid) Object.assign(auth, { pid: st.pid, offset: st.offset });
      return sink.write(vu, ENC(`40${this.nsp}${JSON.stringify(auth)}`), false);
    }
    if (c !== 0x34) return; // 1 close, 3 pong, 6 noop: nothing to do
    const text = payload.toString('utf8', 1);
    let at = 1;
    const type = text.charCodeAt(0) - 0x30;
    if (this.nsp) {
      if (!text.startsWith(this.nsp, 1)) return; // another namespace
      at += this.nsp.length;
    } else if (text[at] === '/') return;
    let idEnd = at;
    while (idEnd < text.length && text.charCodeAt(idEnd) >= 0x30 && text.charCodeAt(idEnd) <= 0x39) idEnd++;
    const ackId = text.slice(at, idEnd);
    let data: unknown;
    try {
      data = idEnd < text.length ? JSON.parse(text.slice(idEnd)) : undefined;
    } catch {
      return sink.undecodable(vu);
    }
    switch (type) {
      case 0: return this.connected(vu, data as { sid?: string; pid?: string } | undefined);
      case 1: return sink.error(vu, 'disconnected');
      case 2: return this.event(vu, data, readAt);
      case 3: return this.ack(vu, ackId, data, readAt);
      case 4: return sink.error(vu, 'connect_error');
      default: return sink.undecodable(vu);
    }
  }

  private connected(vu: Vu, d: { sid?: string; pid?: string } | undefined): void {
    const st = this.state(vu);
    // recovered when the server kept the session: it answers with the same private id
    const recovered = this.o.recovery && st.pid ? d?.pid === st.pid : undefined;
    st.pid = d?.pid ?? null;
    if (!recovered) st.offset = null;
    st.connected = true;
    this.sink.ready(vu, recovered);
  }

  private event(vu: Vu, data: unknown, at: number): void {
    if (!Array.isArray(data) || data[0] !== this.o.events.receive) return;
    const st = this.state(vu);
    // with recovery on, the server appends each broadcast's offset as the last argument
    const last = data[data.length - 1];
    if (st.pid && data.length > 2 && typeof last === 'string') st.offset = last;
    const m = data[1];
    const stamp = readStamp(pathGet(m, this.stampPath));
    if (!stamp) return this.sink.undecodable(vu);
    const room = pathGet(m, this.roomPath);
    this.sink.message(vu, typeof room === 'string' ? room : vu.room, undefined, stamp, at);
  }

  private ack(vu: Vu, ackId: string, data: unknown, at: number): void {
    const key = `${vu.id}:${ackId}`;
    const p = this.awaitingAck.get(key);
    if (!p) return;
    this.awaitingAck.delete(key);
    if (p.kind === 'join') return this.sink.joined(vu, p.room, at);
    // an ack whose first argument is an error object is a refusal, as Socket.IO apps commonly answer
    const first = Array.isArray(data) ? data[0] : undefined;
    const err = first && typeof first === 'object' && 'error' in first ? String((first as { error: unknown }).error) : undefined;
    if (err) return this.sink.error(vu, err, p.id);
    this.sink.acked(vu, p.id);
  }

  closed(vu: Vu): void {
    const st = vu.proto as SioState | null;
    if (st) st.connected = false;
  }
}
