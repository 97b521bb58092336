/**
 * STOMP 1.2 over WebSocket (subprotocol `v12.stomp`: Spring's chat stack, RabbitMQ Web-STOMP,
 * ActiveMQ): CONNECT → CONNECTED first, with heart-beats negotiated; a room is `/topic/<room>`,
 * SUBSCRIBE with a receipt is the join, SEND with a receipt is the publish and its RECEIPT the ack;
 * MESSAGE bodies are read to their content-length (or the NUL), ERROR frames are counted. Heart-beats
 * (an EOL) go out from the agent's one sweep. A frame may span WebSocket messages or share one: each
 * connection keeps the bytes of an unfinished one in `vu.proto`.
 */
import type { Vu } from '../agent/vu.js';
import type { StompOptions } from '../scenario/config.js';
import type { Adapter, Dial, Guarantees, ProtocolSink, Stamp } from './adapter.js';
import { readStamp } from './adapter.js';

const NUL = 0, LF = 0x0a;
const TOPIC = '/topic/';

/** one connection's unfinished bytes */
interface Conn { rest: Buffer | null }

/** a header's value, escaped as STOMP 1.2 requires (\\ \n \r :) */
const esc = (v: string) => v.replace(/[\\\n\r:]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', ':': '\\c' })[c]!);
const unesc = (v: string) => v.replace(/\\([\\ncr])/g, (_m, c: string) => ({ '\\': '\\', n: '\n', c: ':', r: '\r' })[c]!);

export class StompAdapter implements Adapter {
  readonly name = 'stomp';
  readonly guarantees: Guarantees = { seq: false, recovery: false, order: 'sender', history: false, dm: false };
  readonly echo: boolean;
  readonly heartbeat?: { everyMs: number; frame: Buffer; binary: boolean };

  constructor(private readonly sink: ProtocolSink, private readonly o: StompOptions) {
    this.echo = o.echo;
    if (o.heart_beat_ms > 0) this.heartbeat = { everyMs: o.heart_beat_ms, frame: Buffer.from('\n'), binary: false };
  }

  dial(base: string): Dial {
    const b = new URL(base);
    return { url: new URL(this.o.path, `${b.protocol}//${b.host}`), subprotocol: 'v12.stomp' };
  }

  private send(vu: Vu, command: string, headers: [string, string][], body = ''): void {
    let f = `${command}\n`;
    for (const [k, v] of headers) f += `${k}:${esc(v)}\n`;
    this.sink.write(vu, Buffer.from(`${f}\n${body}\0`), false);
  }

  opened(vu: Vu): void {
    vu.proto = null;
    // we send heart-beats every heart_beat_ms and do not ask the server for any (0)
    this.send(vu, 'CONNECT', [['accept-version', '1.2'], ['host', this.o.vhost], ['login', this.o.login], ['passcode', this.o.passcode], ['heart-beat', `${this.o.heart_beat_ms},0`]]);
  }

  join(vu: Vu, room: string): void {
    this.send(vu, 'SUBSCRIBE', [['id', room], ['destination', TOPIC + room], ['ack', 'auto'], ['receipt', `s:${room}`]]);
  }

  publish(vu: Vu, room: string, id: string, stamp: Stamp, body: string): void {
    const text = `{"stamp":{"s":${stamp.s},"n":${stamp.n},"k":${stamp.k},"i":${stamp.i},"t":${stamp.t}},"body":${JSON.stringify(body)}}`;
    this.send(vu, 'SEND', [['destination', TOPIC + room], ['content-type', 'application/json'], ['content-length', String(Buffer.byteLength(text))], ['receipt', `p:${id}`]], text);
  }

  frame(vu: Vu, payload: Buffer, _binary: boolean, at: number): void {
    const c = (vu.proto ??= { rest: null }) as Conn;
    const b = c.rest ? Buffer.concat([c.rest, payload]) : payload;
    c.rest = null;
    let p = 0;
    while (p < b.length) {
      // EOLs between frames are the server's heart-beats
      if (b[p] === LF || (b[p] === 0x0d && b[p + 1] === LF)) {
        p += b[p] === LF ? 1 : 2;
        continue;
      }
      const headEnd = b.indexOf('\n\n', p);
      if (headEnd < 0) break;
      const lines = b.toString('utf8', p, headEnd).split('\n').map((l) => l.replace(/\r$/, ''));
      const headers = new Map<string, string>();
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        // STOMP 1.2: the first of a repeated header wins
        if (i > 0 && !headers.has(l.slice(0, i))) headers.set(l.slice(0, i), unesc(l.slice(i + 1)));
      }
      const start = headEnd + 2, len = Number(headers.get('content-length') ?? NaN);
      const end = Number.isSafeInteger(len) && len >= 0 ? start + len : b.indexOf(NUL, start);
      if (end < 0 || end >= b.length) break;
      if (b[end] !== NUL) return this.sink.undecodable(vu);
      this.command(vu, lines[0], headers, b, start, end, at);
      p = end + 1;
    }
    // a copy: the read's buffer is reused by the next read
    if (p < b.length) c.rest = Buffer.from(b.subarray(p));
  }

  private command(vu: Vu, command: string, h: Map<string, string>, b: Buffer, start: number, end: number, at: number): void {
    switch (command) {
      case 'MESSAGE': {
        let stamp: Stamp | undefined;
        try {
          stamp = readStamp((JSON.parse(b.toString('utf8', start, end)) as { stamp?: unknown }).stamp);
        } catch { /* not one of ours: counted as foreign */ }
        const dest = h.get('destination') ?? '';
        return this.sink.message(vu, dest.startsWith(TOPIC) ? dest.slice(TOPIC.length) : h.get('subscription') ?? vu.room, undefined, stamp, at);
      }
      case 'RECEIPT': {
        const r = h.get('receipt-id') ?? '';
        if (r.startsWith('p:')) return this.sink.acked(vu, r.slice(2));
        if (r.startsWith('s:')) return this.sink.joined(vu, r.slice(2), at);
        return;
      }
      case 'CONNECTED': return this.sink.ready(vu);
      case 'ERROR': return this.sink.error(vu, 'stomp_error', h.get('receipt-id')?.replace(/^p:/, ''));
      default: return this.sink.undecodable(vu);
    }
  }

  closed(vu: Vu): void {
    vu.proto = null;
  }
}
