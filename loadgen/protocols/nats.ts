/**
 * NATS over WebSocket (nats-server's `websocket` listener): the text protocol inside binary frames.
 * INFO from the server, then CONNECT and PING; its PONG is the ready (the handshake). A room is the
 * subject `<subject_prefix><room>` (SUB), a publish is a PUB followed by a PING: the server answers
 * PINGs in order, so its PONG says every PUB before it reached the server (what the official clients'
 * flush does), and that is the ack. A SUB has no answer: a receiver's interval opens at its first
 * message. Server PINGs are answered with PONGs. A MSG and its payload may span frames or share one with others: each
 * connection keeps the bytes of an unfinished one (its only state, in `vu.proto`).
 */
import type { Vu } from '../agent/vu.js';
import type { NatsOptions } from '../scenario/config.js';
import type { Adapter, Dial, Guarantees, ProtocolSink, Stamp } from './adapter.js';
import { readStamp } from './adapter.js';

const PONG = Buffer.from('PONG\r\n');
/** the end of a PUB's payload, and the PING whose PONG acknowledges it */
const PUB_END = Buffer.from('\r\nPING\r\n');
const CRLF = 0x0d;

/** one connection's state: the unfinished bytes, whether its handshake is done, its next subscription id */
interface Conn { rest: Buffer | null; up: boolean; sid: number; unacked: string[] }

export class NatsAdapter implements Adapter {
  readonly name = 'nats';
  /** core NATS keeps order per publisher connection and subject */
  readonly guarantees: Guarantees = { seq: false, recovery: false, order: 'sender', history: false, dm: false };
  readonly echo: boolean;

  constructor(private readonly sink: ProtocolSink, private readonly o: NatsOptions) {
    this.echo = o.echo;
  }

  dial(base: string): Dial {
    const b = new URL(base);
    return { url: new URL(this.o.path, `${b.protocol}//${b.host}`) };
  }

  private conn(vu: Vu): Conn {
    return (vu.proto ??= { rest: null, up: false, sid: 1, unacked: [] }) as Conn;
  }

  private text(vu: Vu, s: string): void {
    this.sink.write(vu, Buffer.from(s), true);
  }

  opened(vu: Vu): void {
    vu.proto = null;
    const connect = { verbose: false, pedantic: false, name: vu.user, lang: 'bfg', version: '1', protocol: 1, echo: this.echo, headers: false };
    this.text(vu, `CONNECT ${JSON.stringify(connect)}\r\nPING\r\n`);
  }

  join(vu: Vu, room: string): void {
    const c = this.conn(vu);
    this.text(vu, `SUB ${this.o.subject_prefix}${room} ${c.sid++}\r\n`);
  }

  publish(vu: Vu, room: string, id: string, stamp: Stamp, body: string): void {
    const payload = Buffer.from(`{"stamp":{"s":${stamp.s},"n":${stamp.n},"k":${stamp.k},"i":${stamp.i},"t":${stamp.t}},"body":${JSON.stringify(body)}}`);
    this.conn(vu).unacked.push(id);
    this.sink.write(vu, Buffer.concat([Buffer.from(`PUB ${this.o.subject_prefix}${room} ${payload.length}\r\n`), payload, PUB_END]), true);
  }

  frame(vu: Vu, payload: Buffer, _binary: boolean, at: number): void {
    const c = this.conn(vu);
    const b = c.rest ? Buffer.concat([c.rest, payload]) : payload;
    c.rest = null;
    let p = 0;
    while (p < b.length) {
      const eol = b.indexOf(CRLF, p);
      if (eol < 0 || eol + 1 >= b.length) break;
      const line = b.toString('latin1', p, eol);
      if (line.startsWith('MSG ')) {
        // MSG <subject> <sid> [reply-to] <#bytes>
        const f = line.split(' ');
        const size = Number(f[f.length - 1]);
        const start = eol + 2, end = start + size;
        if (!Number.isSafeInteger(size) || size < 0) return this.sink.undecodable(vu);
        if (end + 2 > b.length) break;
        this.message(vu, f[1], b, start, end, at);
        p = end + 2;
        continue;
      }
      p = eol + 2;
      if (line === 'PING') this.sink.write(vu, PONG, true);
      else if (line === 'PONG') {
        if (!c.up) {
          c.up = true;
          this.sink.ready(vu);
        } else {
          const id = c.unacked.shift();
          if (id !== undefined) this.sink.acked(vu, id);
        }
      } else if (line.startsWith('-ERR')) this.sink.error(vu, 'nats_err');
      else if (!line.startsWith('INFO ') && line !== '+OK') this.sink.undecodable(vu);
    }
    // a copy: the read's buffer is reused by the next read
    if (p < b.length) c.rest = Buffer.from(b.subarray(p));
  }

  private message(vu: Vu, subject: string, b: Buffer, start: number, end: number, at: number): void {
    let stamp: Stamp | undefined;
    try {
      stamp = readStamp((JSON.parse(b.toString('utf8', start, end)) as { stamp?: unknown }).stamp);
    } catch { /* not one of ours: counted as foreign */ }
    const pre = this.o.subject_prefix;
    this.sink.message(vu, subject.startsWith(pre) ? subject.slice(pre.length) : subject, undefined, stamp, at);
  }

  closed(vu: Vu): void {
    vu.proto = null;
  }
}
