/**
 * MQTT 3.1.1 or 5 over WebSocket (subprotocol `mqtt`: mosquitto, EMQX, HiveMQ, RabbitMQ web-mqtt, aedes):
 * CONNECT → CONNACK before anything else, a room is the topic `<prefix><room>` (SUBSCRIBE → SUBACK is
 * the join), a publish is a PUBLISH at the scenario's QoS (QoS 1: its PUBACK is the ack), a QoS 1
 * delivery owes the broker a PUBACK, and PINGREQ goes out at the keepalive from the agent's one sweep.
 * MQTT is a stream: a packet may span WebSocket frames or share one, so each connection keeps the
 * bytes of an unfinished packet (its only state besides packet ids, in `vu.proto`). Packets are
 * written with mqtt-packet; the few read here are decoded by hand on the fast path. MQTT 5 adds
 * properties to the packets read here (skipped), reason codes (≥ 0x80: refused, reported as an
 * error) and the subscription option No Local, asked for so that the broker sends no echo.
 */
import { generate } from 'mqtt-packet';
import type { Vu } from '../agent/vu.js';
import type { MqttOptions } from '../scenario/config.js';
import type { Adapter, Dial, Guarantees, ProtocolSink, Stamp } from './adapter.js';
import { readStamp } from './adapter.js';

/** what one connection keeps: the unfinished packet, and the packet ids in flight */
interface Conn { rest: Buffer | null; nextId: number; subs: Map<number, string>; pubs: Map<number, string> }

const PINGREQ = Buffer.from([0xc0, 0x00]);
const CONNACK = 2, PUBLISH = 3, PUBACK = 4, SUBACK = 9, PINGRESP = 13, DISCONNECT = 14;

/** MQTT 5: the end of a property block that starts at `at` (a variable byte integer, then that many bytes) */
function afterProps(b: Buffer, at: number): number {
  let len = 0, i = 0;
  for (let mul = 1; i < 4; mul *= 128) {
    const d = b[at + i++];
    len += (d & 0x7f) * mul;
    if ((d & 0x80) === 0) break;
  }
  return at + i + len;
}

/** the length of a packet's fixed header and its remaining length, or undefined while incomplete */
function header(b: Buffer, at: number): { head: number; len: number } | undefined {
  let len = 0;
  for (let i = 1, mul = 1; i <= 4; i++, mul *= 128) {
    if (at + i >= b.length) return undefined;
    const d = b[at + i];
    len += (d & 0x7f) * mul;
    if ((d & 0x80) === 0) return { head: i + 1, len };
  }
  return { head: 5, len: -1 }; // malformed: more than four length bytes
}

export class MqttAdapter implements Adapter {
  readonly name = 'mqtt';
  /** MQTT orders messages per publisher and topic (at QoS 1 with one connection: per sender) */
  readonly guarantees: Guarantees = { seq: false, recovery: false, order: 'sender', history: false, dm: false };
  readonly echo: boolean;
  readonly heartbeat: { everyMs: number; frame: Buffer };

  constructor(private readonly sink: ProtocolSink, private readonly o: MqttOptions) {
    // MQTT 5 subscribes with No Local: the broker never sends a publisher its own message
    this.echo = o.version === 5 ? false : o.echo;
    // PINGREQ well inside the keepalive: a broker drops a client silent for 1.5 × keepalive
    this.heartbeat = { everyMs: (o.keepalive_s * 1000) / 2, frame: PINGREQ };
  }

  private get v5(): boolean {
    return this.o.version === 5;
  }

  /** mqtt-packet's options: the protocol version decides the packets' layout */
  private get opts(): { protocolVersion: 4 | 5 } {
    return { protocolVersion: this.o.version };
  }

  dial(base: string): Dial {
    const b = new URL(base);
    return { url: new URL(this.o.path, `${b.protocol}//${b.host}`), subprotocol: 'mqtt' };
  }

  private conn(vu: Vu): Conn {
    return (vu.proto ??= { rest: null, nextId: 1, subs: new Map(), pubs: new Map() }) as Conn;
  }

  private id(c: Conn): number {
    const id = c.nextId;
    c.nextId = id === 65535 ? 1 : id + 1;
    return id;
  }

  opened(vu: Vu): void {
    vu.proto = null; // a new connection: nothing in flight survives
    this.sink.write(vu, generate({
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: this.o.version, clean: true, keepalive: this.o.keepalive_s,
      clientId: `${vu.user.slice(0, 40)}-${vu.dials}`, username: this.o.username ?? vu.user,
      ...(this.o.password === undefined ? {} : { password: Buffer.from(this.o.password) }),
    }, this.opts), true);
  }

  join(vu: Vu, room: string): void {
    const c = this.conn(vu), messageId = this.id(c);
    c.subs.set(messageId, room);
    this.sink.write(vu, generate({ cmd: 'subscribe', messageId, subscriptions: [{ topic: this.o.topic_prefix + room, qos: this.o.qos, ...(this.v5 ? { nl: true } : {}) }] }, this.opts), true);
  }

  publish(vu: Vu, room: string, id: string, stamp: Stamp, body: string): void {
    const payload = `{"stamp":{"s":${stamp.s},"n":${stamp.n},"k":${stamp.k},"i":${stamp.i},"t":${stamp.t}},"body":${JSON.stringify(body)}}`;
    const topic = this.o.topic_prefix + room;
    if (this.o.qos === 0) {
      this.sink.write(vu, generate({ cmd: 'publish', topic, payload, qos: 0, dup: false, retain: false }, this.opts), true);
      // QoS 0 has no acknowledgement: the write is all there is
      return this.sink.acked(vu, id);
    }
    const c = this.conn(vu), messageId = this.id(c);
    c.pubs.set(messageId, id);
    this.sink.write(vu, generate({ cmd: 'publish', topic, payload, qos: 1, messageId, dup: false, retain: false }, this.opts), true);
  }

  frame(vu: Vu, payload: Buffer, _binary: boolean, at: number): void {
    const c = this.conn(vu);
    const b = c.rest ? Buffer.concat([c.rest, payload]) : payload;
    c.rest = null;
    let at0 = 0;
    for (;;) {
      const h = header(b, at0);
      if (!h) break;
      if (h.len < 0) return this.sink.undecodable(vu);
      const end = at0 + h.head + h.len;
      if (end > b.length) break;
      this.packet(vu, c, b, at0, h.head, end, at);
      at0 = end;
    }
    // a copy: the read's buffer is reused by the next read
    if (at0 < b.length) c.rest = Buffer.from(b.subarray(at0));
  }

  /** one whole packet: b[start] is its first byte, the variable header begins at start + head */
  private packet(vu: Vu, c: Conn, b: Buffer, start: number, head: number, end: number, at: number): void {
    const type = b[start] >> 4, p = start + head;
    switch (type) {
      case PUBLISH: {
        const qos = (b[start] >> 1) & 3, tlen = b.readUInt16BE(p);
        const topic = b.toString('utf8', p + 2, p + 2 + tlen);
        let body = p + 2 + tlen;
        if (qos > 0) {
          // the reply this delivery owes the broker: not measured
          this.sink.write(vu, Buffer.from([0x40, 0x02, b[body], b[body + 1]]), true);
          body += 2;
        }
        if (this.v5) body = afterProps(b, body);
        let stamp: Stamp | undefined;
        try {
          stamp = readStamp((JSON.parse(b.toString('utf8', body, end)) as { stamp?: unknown }).stamp);
        } catch { /* not one of ours: counted as foreign */ }
        const room = topic.startsWith(this.o.topic_prefix) ? topic.slice(this.o.topic_prefix.length) : topic;
        return this.sink.message(vu, room, undefined, stamp, at);
      }
      case PUBACK: {
        const id = c.pubs.get(b.readUInt16BE(p));
        if (id === undefined) return;
        c.pubs.delete(b.readUInt16BE(p));
        // MQTT 5: a reason code of 0x80 or more refuses the message (0x10, no subscribers, does not)
        if (end - p > 2 && b[p + 2] >= 0x80) return this.sink.error(vu, `mqtt_puback_${b[p + 2]}`);
        return this.sink.acked(vu, id);
      }
      case SUBACK: {
        const room = c.subs.get(b.readUInt16BE(p));
        if (room === undefined) return;
        c.subs.delete(b.readUInt16BE(p));
        // 0x80 (MQTT 5: any code from 0x80): the broker refused the subscription
        const code = b[this.v5 ? afterProps(b, p + 2) : p + 2];
        return code >= 0x80 ? this.sink.error(vu, 'mqtt_suback_refused') : this.sink.joined(vu, room, at);
      }
      case CONNACK:
        return b[p + 1] === 0 ? this.sink.ready(vu) : this.sink.error(vu, `mqtt_connack_${b[p + 1]}`);
      case PINGRESP: return;
      // MQTT 5: the broker says why it ends the session before it closes the socket
      case DISCONNECT: return this.sink.error(vu, `mqtt_disconnect_${end - p > 0 ? b[p] : 0}`);
      default: return this.sink.undecodable(vu);
    }
  }

  closed(vu: Vu): void {
    vu.proto = null;
  }
}
