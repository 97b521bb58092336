/**
 * RabbitMQ broker: the room logs stay in Redis (seq and history: RedisStore in redis.ts) and RabbitMQ
 * carries messages between nodes (amqplib). One topic exchange; a room's (or inbox's) routing key is a
 * hash of its name, so no name can be a wildcard (`*`, `#`) or pass the 255-byte limit, and the name
 * itself travels in a header. Each node has its own exclusive queue and binds a room on its first
 * local member, unbinds it on its last. Publishes go through a confirm channel: a publish resolves
 * when RabbitMQ has taken it, or fails after publishTimeoutMs (the message is already stored and
 * acked: members recover it). Nodes publish concurrently after their appends, so a reorder window
 * (reorder.ts) passes each room on in seq order. When the connection drops the node reconnects with
 * backoff, binds its rooms again and tells the gateway (`reconnected`), which fills each room's gap
 * from the store while it holds live messages, as with the Redis bus.
 */
import { createHash } from 'node:crypto';
import amqp from 'amqplib';
import { BfgError } from '../../protocol/index.js';
import {
  LogBroker, NO_EVENTS, decodeEnvelope, decodeSignal, deliverSafely, encodeSignal, isSignal, signalSafely, withTimeout, encodeEnvelope, storeOrRefuse,
  type Appended, type Broker, type BrokerEvents, type Envelope, type Publish, type Signal, type Store,
} from './broker.js';
import { Reorder } from './reorder.js';

export interface RabbitBrokerOptions {
  url: string; node: string; exchange: string; publishTimeoutMs: number;
  /** how long a message past a gap waits before the gap is read from the log */
  reorderMs: number;
  /** most messages one gap fill reads */
  maxRecover: number;
}

type Conn = Awaited<ReturnType<typeof amqp.connect>>;
type PubChannel = Awaited<ReturnType<Conn['createConfirmChannel']>>;
type SubChannel = Awaited<ReturnType<Conn['createChannel']>>;

/** a topic's routing key: `r.` (room) or `u.` (inbox) and 22 base64url characters of its SHA-256 */
export const routingKey = (topic: string): string =>
  `${topic.startsWith('@') ? 'u' : 'r'}.${createHash('sha256').update(topic).digest('base64url').slice(0, 22)}`;

/** the link's URL without its credentials, for messages */
const shown = (url: string): string => url.replace(/\/\/[^@/]*@/, '//');

export class RabbitBroker extends LogBroker implements Broker {
  readonly healsFromStore = true;
  private events: BrokerEvents = NO_EVENTS;
  /** topics with local members, each bound to this node's queue while the link is up */
  private readonly topics = new Set<string>();
  private readonly reorder: Reorder;
  private link: { conn: Conn; pub: PubChannel; sub: SubChannel; queue: string } | undefined;
  private closed = false;
  private retryMs = 100;
  /** times the link came back after a drop */
  reconnects = 0;

  constructor(store: Store, private readonly o: RabbitBrokerOptions) {
    super(store);
    this.reorder = new Reorder(o.reorderMs, (room, after) => store.range(room, after, o.maxRecover), (env) => this.deliver(env));
  }

  /** connects, declares the exchange and this node's queue, and starts consuming; refuses with the fix when RabbitMQ cannot be reached */
  async start(): Promise<void> {
    try {
      await this.open();
    } catch (err) {
      throw new BfgError('unreachable', `RabbitMQ at ${shown(this.o.url)} (${(err as Error).message}); start one with scripts/rabbitmq.sh start 5700 and pass --amqp amqp://127.0.0.1:5700`);
    }
  }

  private async open(): Promise<void> {
    const conn = await amqp.connect(this.o.url, { timeout: 10_000 });
    try {
      const [pub, sub] = await Promise.all([conn.createConfirmChannel(), conn.createChannel()]);
      await pub.assertExchange(this.o.exchange, 'topic', { durable: true });
      // exclusive: RabbitMQ deletes it with the connection, so a dead node leaves nothing behind
      const { queue } = await sub.assertQueue('', { exclusive: true, autoDelete: true, arguments: { 'x-queue-mode': 'default' } });
      await Promise.all([...this.topics].map((t) => sub.bindQueue(queue, this.o.exchange, routingKey(t))));
      await sub.consume(queue, (m) => {
        if (!m) return;
        const topic = m.properties.headers?.t;
        if (typeof topic === 'string') this.receive(topic, m.content.toString());
      }, { noAck: true });
      conn.on('error', () => {}); // 'close' follows; the reconnect is driven from there
      conn.on('close', () => this.lost(conn));
      // a channel RabbitMQ closed (a refused bind, say) would leave a link that cannot work: start it again
      for (const ch of [pub, sub]) {
        ch.on('error', () => {});
        ch.on('close', () => void conn.close().catch(() => {}));
      }
      this.link = { conn, pub, sub, queue };
      this.retryMs = 100;
    } catch (err) {
      await conn.close().catch(() => {});
      throw err;
    }
  }

  /** the link dropped: reconnect with backoff, then heal the gap of every room this node holds */
  private lost(conn: Conn): void {
    if (this.link?.conn !== conn) return;
    this.link = undefined;
    if (this.closed) return;
    const again = (): void => {
      if (this.closed) return;
      this.open().then(async () => {
        // every room's reorder state moves to where the log stands; the gateway replays what was missed
        await Promise.all([...this.topics].filter((t) => !t.startsWith('@')).map(async (t) => this.reorder.start(t, await this.store.peek(t).catch(() => null))));
        this.reconnects++;
        this.events.reconnected([...this.topics]);
      }, () => {
        this.retryMs = Math.min(this.retryMs * 2, 2000);
        setTimeout(again, this.retryMs).unref();
      });
    };
    setTimeout(again, this.retryMs).unref();
  }

  private receive(topic: string, text: string): void {
    if (!this.topics.has(topic)) return;
    if (isSignal(text)) {
      const sig = decodeSignal(topic, text);
      if (sig) signalSafely(this.events, topic, sig);
      return;
    }
    const env = decodeEnvelope(topic, text);
    if (!env) return;
    if (topic.startsWith('@') || this.o.reorderMs === 0) this.deliver(env);
    else this.reorder.push(env);
  }

  private deliver(env: Envelope): void {
    deliverSafely(this.events, env);
  }

  async publish(p: Publish, stored: (a: Appended) => void): Promise<void> {
    const a = await storeOrRefuse(this.store, p);
    stored(a);
    if (a.duplicate) return; // a retry was published the first time
    const link = this.link;
    if (!link) throw new BfgError('bus_unavailable', `RabbitMQ at ${shown(this.o.url)} is not connected`);
    const confirms = p.topics.map((topic) => new Promise<void>((resolve, reject) => {
      const body = Buffer.from(encodeEnvelope({ topic, origin: p.origin, msg: a.msg, t0: p.t0, epoch: a.epoch }));
      link.pub.publish(this.o.exchange, routingKey(topic), body, { headers: { t: topic } }, (err) => (err ? reject(err) : resolve()));
    }));
    try {
      await withTimeout(Promise.all(confirms), this.o.publishTimeoutMs, `RabbitMQ did not confirm the message within ${this.o.publishTimeoutMs} ms`);
    } catch (err) {
      throw new BfgError('bus_unavailable', (err as Error).message);
    }
  }

  /** ephemeral: published without waiting for the confirm (a lost event is superseded by the next) */
  signal(s: Signal): void {
    const link = this.link;
    if (!link) return;
    const text = encodeSignal(s);
    for (const topic of s.topics) link.pub.publish(this.o.exchange, routingKey(topic), Buffer.from(text), { headers: { t: topic } }, () => {});
  }

  async subscribe(topic: string): Promise<void> {
    this.topics.add(topic);
    if (!topic.startsWith('@')) this.reorder.watch(topic);
    const link = this.link;
    // a bind lost with the link is made again when it comes back
    if (link) await link.sub.bindQueue(link.queue, this.o.exchange, routingKey(topic)).catch(() => {});
    if (!topic.startsWith('@')) this.reorder.start(topic, await this.store.peek(topic).catch(() => null));
  }

  async unsubscribe(topic: string): Promise<void> {
    this.topics.delete(topic);
    this.reorder.forget(topic);
    const link = this.link;
    if (link) await link.sub.unbindQueue(link.queue, this.o.exchange, routingKey(topic)).catch(() => {});
  }

  on(events: BrokerEvents): void { this.events = events; }

  health(): { store: boolean; bus: boolean } {
    return { store: this.store.healthy(), bus: this.link !== undefined };
  }

  async close(): Promise<void> {
    this.closed = true;
    const link = this.link;
    this.link = undefined;
    await Promise.allSettled([link?.conn.close(), this.store.close()]);
  }
}
