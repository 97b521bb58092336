/**
 * Any JSON-over-WebSocket server: the scenario writes the connect path, the join and publish frames
 * with placeholders, and where a received frame keeps its room and the stamp (dotted JSON paths).
 * Placeholders: {{user}}, {{room}}, {{id}} (JSON-escaped, for use inside quotes), {{stamp}} (a JSON
 * object), {{body}} (a JSON string, quotes included). Templates are split once, at load; a frame is
 * then a few string joins.
 */
import type { Vu } from '../agent/vu.js';
import type { Adapter, Dial, Guarantees, ProtocolSink, Stamp } from './adapter.js';
import { pathGet, readStamp } from './adapter.js';
import { compileTemplate, type TemplateOptions } from '../scenario/config.js';

export type { Matcher, TemplateOptions } from '../scenario/config.js';


type Values = Partial<Record<string, string>>;

function fill(c: { parts: string[]; holes: boolean[] }, v: Values): string {
  let out = '';
  for (let i = 0; i < c.parts.length; i++) out += c.holes[i] ? (v[c.parts[i]] ?? '') : c.parts[i];
  return out;
}

/** a string's JSON escape without the quotes, for use inside a template's quotes */
const inner = (s: string) => JSON.stringify(s).slice(1, -1);

export class TemplateAdapter implements Adapter {
  readonly name = 'template';
  readonly guarantees: Guarantees = { seq: false, recovery: false, order: 'sender', history: false, dm: false };
  readonly echo: boolean;
  private readonly path; private readonly join_; private readonly publish_; private readonly reply;
  private readonly roomPath?: string[];
  private readonly stampPath: string[];
  private readonly joinedPath?: string[];
  private readonly pingPath?: string[];
  private readonly headers: [string, ReturnType<typeof compileTemplate>][];
  private readonly open_: ReturnType<typeof compileTemplate>[];
  private readonly readyPath?: string[];
  readonly heartbeat?: { everyMs: number; frame: Buffer; binary: boolean };

  constructor(private readonly sink: ProtocolSink, private readonly o: TemplateOptions) {
    this.echo = o.echo;
    this.path = compileTemplate(o.path);
    this.join_ = o.join ? compileTemplate(o.join) : undefined;
    this.publish_ = compileTemplate(o.publish);
    this.reply = o.ping ? compileTemplate(o.ping.reply) : undefined;
    this.roomPath = o.match.room?.split('.');
    this.stampPath = o.match.stamp.split('.');
    this.joinedPath = o.joined?.path.split('.');
    this.pingPath = o.ping?.path.split('.');
    this.headers = Object.entries(o.headers).map(([k, v]) => [k, compileTemplate(v)]);
    this.open_ = (o.open ?? []).map(compileTemplate);
    this.readyPath = o.ready?.path.split('.');
    if (o.heartbeat) this.heartbeat = { everyMs: o.heartbeat.every_ms, frame: Buffer.from(o.heartbeat.frame), binary: false };
  }

  dial(base: string, vu: Vu, token?: string): Dial {
    const b = new URL(base);
    const p = fill(this.path, { user: encodeURIComponent(vu.user) });
    const url = new URL(p, `${b.protocol}//${b.host}`);
    if (token) url.searchParams.set('token', token);
    const headers: Record<string, string> = {};
    for (const [k, v] of this.headers) headers[k] = fill(v, { user: vu.user });
    return { url, subprotocol: this.o.subprotocol, headers };
  }

  /** the handshake: the open frames, then ready at once, or when the server's ready frame comes */
  opened(vu: Vu): void {
    for (const f of this.open_) this.sink.write(vu, Buffer.from(fill(f, { user: inner(vu.user) })), false);
    if (!this.readyPath) this.sink.ready(vu);
  }

  join(vu: Vu, room: string): void {
    if (this.join_) this.sink.write(vu, Buffer.from(fill(this.join_, { user: inner(vu.user), room: inner(room) })), false);
  }

  publish(vu: Vu, room: string, id: string, stamp: Stamp, body: string): void {
    const st = `{"s":${stamp.s},"n":${stamp.n},"k":${stamp.k},"i":${stamp.i},"t":${stamp.t}}`;
    const f = fill(this.publish_, { user: inner(vu.user), room: inner(room), id: inner(id), stamp: st, body: JSON.stringify(body) });
    this.sink.write(vu, Buffer.from(f), false);
  }

  frame(vu: Vu, payload: Buffer, binary: boolean, at: number): void {
    let v: unknown;
    try {
      v = JSON.parse(payload.toString('utf8'));
    } catch {
      return this.sink.undecodable(vu);
    }
    const room = this.roomPath ? pathGet(v, this.roomPath) : vu.room;
    const stamp = readStamp(pathGet(v, this.stampPath));
    if (stamp) return this.sink.message(vu, typeof room === 'string' ? room : vu.room, undefined, stamp, at);
    if (this.readyPath && pathGet(v, this.readyPath) === this.o.ready!.equals) return this.sink.ready(vu);
    if (this.joinedPath && pathGet(v, this.joinedPath) === this.o.joined!.equals) {
      return this.sink.joined(vu, typeof room === 'string' ? room : vu.room, at);
    }
    if (this.pingPath && pathGet(v, this.pingPath) === this.o.ping!.equals) {
      return this.sink.write(vu, Buffer.from(fill(this.reply!, { user: inner(vu.user) })), binary);
    }
  }

  closed(): void {}
}
