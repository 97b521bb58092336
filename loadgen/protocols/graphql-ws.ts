/**
 * GraphQL subscriptions over `graphql-transport-ws` (the `graphql-ws` library's protocol, the most
 * used GraphQL subscription transport): connection_init → connection_ack before anything else, one
 * subscription per room, publishes as mutations over the same socket (acked by their `next`), and the
 * server's pings answered with pongs. The chat schema is the scenario's (`graphql` block): the
 * subscription, the mutation, and where a message keeps its room and stamp.
 */
import type { Vu } from '../agent/vu.js';
import type { GraphqlOptions } from '../scenario/config.js';
import type { Adapter, Dial, Guarantees, ProtocolSink, Stamp } from './adapter.js';
import { pathGet, readStamp } from './adapter.js';

/** the subprotocol graphql-ws speaks (its older, different protocol is `graphql-ws`) */
export const GRAPHQL_TRANSPORT_WS = 'graphql-transport-ws';
const PONG = Buffer.from('{"type":"pong"}');

interface GqlFrame { type?: string; id?: string; payload?: { data?: unknown; errors?: unknown } | unknown[] }

export class GraphqlWsAdapter implements Adapter {
  readonly name = 'graphql-ws';
  readonly guarantees: Guarantees = { seq: false, recovery: false, order: 'sender', history: false, dm: false };
  readonly echo: boolean;
  private readonly roomPath: string[];
  private readonly stampPath: string[];

  constructor(private readonly sink: ProtocolSink, private readonly o: GraphqlOptions) {
    this.echo = o.echo;
    this.roomPath = ['data', ...o.paths.room.split('.')];
    this.stampPath = ['data', ...o.paths.stamp.split('.')];
  }

  dial(base: string, _vu: Vu, token?: string): Dial {
    const b = new URL(base);
    const url = new URL(this.o.path, `${b.protocol}//${b.host}`);
    if (token) url.searchParams.set('token', token);
    return { url, subprotocol: GRAPHQL_TRANSPORT_WS };
  }

  private send(vu: Vu, f: unknown): void {
    this.sink.write(vu, Buffer.from(JSON.stringify(f)), false);
  }

  /** the handshake: nothing else may go before connection_ack (the server closes 4401 otherwise) */
  opened(vu: Vu): void {
    this.send(vu, { type: 'connection_init', payload: { ...this.o.init, user: vu.user } });
  }

  join(vu: Vu, room: string): void {
    this.send(vu, { id: `s:${room}`, type: 'subscribe', payload: { query: this.o.subscription, variables: { room } } });
  }

  publish(vu: Vu, room: string, id: string, stamp: Stamp, body: string): void {
    const st = `{"s":${stamp.s},"n":${stamp.n},"k":${stamp.k},"i":${stamp.i},"t":${stamp.t}}`;
    this.send(vu, { id: `p:${id}`, type: 'subscribe', payload: { query: this.o.publish, variables: { room, stamp: st, body } } });
  }

  frame(vu: Vu, payload: Buffer, _binary: boolean, at: number): void {
    let f: GqlFrame;
    try {
      f = JSON.parse(payload.toString('utf8')) as GqlFrame;
    } catch {
      return this.sink.undecodable(vu);
    }
    const id = typeof f.id === 'string' ? f.id : '';
    switch (f.type) {
      case 'next': {
        if (id.startsWith('p:')) return this.sink.acked(vu, id.slice(2));
        const p = f.payload as { data?: unknown };
        const room = pathGet(p, this.roomPath);
        const raw = pathGet(p, this.stampPath);
        let stamp: Stamp | undefined;
        try {
          stamp = readStamp(typeof raw === 'string' ? JSON.parse(raw) : raw);
        } catch { /* not one of ours: counted as foreign below */ }
        return this.sink.message(vu, typeof room === 'string' ? room : vu.room, undefined, stamp, at);
      }
      case 'connection_ack': return this.sink.ready(vu);
      case 'ping': return this.sink.write(vu, PONG, false);
      case 'pong': case 'complete': return;
      // an operation's errors: a refused publish fails that send; a refused subscription is counted
      case 'error': return this.sink.error(vu, 'graphql_error', id.startsWith('p:') ? id.slice(2) : undefined);
      default: return this.sink.undecodable(vu);
    }
  }

  closed(): void {}
}
