/**
 * Kafka broker: the room logs stay in Redis (seq and history: RedisStore in redis.ts) and Kafka carries
 * the messages between nodes (kafkajs): one topic, message key = room (or inbox) so each room stays on
 * one partition; every gateway node consumes with its own consumer group and passes on only topics
 * with local members. Kafka does not keep seq order across producer retries, so a reorder window
 * (reorder.ts) holds a message past a gap and fills the gap from the log. Idempotent producer with
 * acks=all; a publish waits at most publishTimeoutMs, then fails (the message is already stored and
 * acked: members recover it). Replays are dropped by seq.
 *
 * No consumer offsets are committed: a commit is a write to Kafka that kafkajs awaits between fetches,
 * and the fetch behind it waited — about one message in a hundred at 100 msgs/s, which was the bus's
 * whole p99 (docs/fleet.md). The room logs make offsets unneeded: a consumer that rejoins its group
 * starts at the end of the topic, and each room it carries is read from its log past the last seq
 * passed on (`Reorder.catchUp`).
 */
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { BfgError } from '../../protocol/index.js';
import {
  LogBroker, NO_EVENTS, decodeEnvelope, decodeSignal, deliverSafely, encodeSignal, isSignal, signalSafely, withTimeout, encodeEnvelope, storeOrRefuse,
  type Appended, type Broker, type Store, type BrokerEvents, type Envelope, type Publish, type Signal,
} from './broker.js';
import { Reorder } from './reorder.js';

export interface KafkaBrokerOptions {
  brokers: string[]; node: string; topic: string; partitions: number; publishTimeoutMs: number;
  /** the longest a fetch waits at the broker for new messages */
  fetchWaitMs: number;
  /** how long a message past a gap waits before the gap is read from the log (0: no window) */
  reorderMs: number;
  /** most messages one gap fill reads */
  maxRecover: number;
}

export class KafkaBroker extends LogBroker implements Broker {
  readonly healsFromStore = true;
  private events: BrokerEvents = NO_EVENTS;
  /** topics with local members: the rest of the stream is skipped */
  private readonly topics = new Set<string>();
  private readonly reorder: Reorder;
  private readonly producer: Producer;
  /** ephemeral events go through a producer of their own: never queued behind (or ahead of) a message in the idempotent one's single in-flight request */
  private readonly signals: Producer;
  private readonly consumer: Consumer;
  private producerUp = false;
  private consumerUp = false;
  /** the consumer joined its group once: a later join follows a crash, and what it missed is read from the logs */
  private joined = false;
  private closed = false;

  constructor(store: Store, private readonly o: KafkaBrokerOptions, private readonly kafka = new Kafka({
    clientId: `bfg-${o.node}`, brokers: o.brokers, logLevel: logLevel.NOTHING,
    retry: { retries: 1000, initialRetryTime: 100, maxRetryTime: 1000 },
  })) {
    super(store);
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 3, initialRetryTime: 100 } });
    this.signals = kafka.producer({ retry: { retries: 0 } });
    this.consumer = kafka.consumer({
      groupId: `bfg-${o.node}`, sessionTimeout: 10_000, heartbeatInterval: 1000,
      // the broker answers a waiting fetch as soon as a message lands: the wait only bounds idle fetches
      maxWaitTimeInMs: o.fetchWaitMs,
      // a crashed consumer restarts itself (the broker came back) unless the bus was closed
      retry: { retries: 1000, initialRetryTime: 100, maxRetryTime: 1000, restartOnFailure: async () => !this.closed },
    });
    this.producer.on(this.producer.events.CONNECT, () => { this.producerUp = true; });
    this.producer.on(this.producer.events.DISCONNECT, () => { this.producerUp = false; });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.consumerUp = true;
      if (this.joined) this.reorder.catchUp();
      this.joined = true;
    });
    this.consumer.on(this.consumer.events.CRASH, () => { this.consumerUp = false; });
    this.consumer.on(this.consumer.events.DISCONNECT, () => { this.consumerUp = false; });
    this.reorder = new Reorder(o.reorderMs, (room, after) => store.range(room, after, o.maxRecover), (env) => this.deliver(env));
  }

  /** connects, creates the topic if missing, and starts consuming from the end */
  async start(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await withTimeout(admin.connect(), 15_000, `Kafka at ${this.o.brokers.join(',')} did not answer`);
      await admin.createTopics({ topics: [{ topic: this.o.topic, numPartitions: this.o.partitions }], waitForLeaders: true });
    } catch (err) {
      await admin.disconnect().catch(() => {});
      throw new BfgError('unreachable', `Kafka at ${this.o.brokers.join(',')} (${(err as Error).message}); start one with scripts/kafka.sh start 9092 and pass --kafka 127.0.0.1:9092`);
    }
    await admin.disconnect();
    await this.producer.connect();
    await this.signals.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.o.topic, fromBeginning: false });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const v = message.value?.toString();
        const key = message.key?.toString();
        if (!v || !key) return;
        if (isSignal(v)) {
          const sig = this.topics.has(key) ? decodeSignal(key, v) : undefined;
          if (sig) signalSafely(this.events, key, sig);
          return;
        }
        const env = decodeEnvelope(key, v);
        if (!env || !this.topics.has(env.topic)) return;
        if (env.topic.startsWith('@') || this.o.reorderMs === 0) this.deliver(env);
        else this.reorder.push(env);
      },
    });
    // the first fetch happens after the group is joined: wait for it so no early publish is missed
    const end = Date.now() + 15_000;
    while (!this.consumerUp && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  }

  private deliver(env: Envelope): void {
    deliverSafely(this.events, env);
  }

  async publish(p: Publish, stored: (a: Appended) => void): Promise<void> {
    const a = await storeOrRefuse(this.store, p);
    stored(a);
    if (a.duplicate) return; // a retry was published the first time
    const messages = p.topics.map((topic) => ({ key: topic, value: encodeEnvelope({ topic, origin: p.origin, msg: a.msg, t0: p.t0, epoch: a.epoch }) }));
    try {
      await withTimeout(this.producer.send({ topic: this.o.topic, acks: -1, messages }),
        this.o.publishTimeoutMs, `Kafka did not take the message within ${this.o.publishTimeoutMs} ms`);
    } catch (err) {
      throw new BfgError('bus_unavailable', (err as Error).message);
    }
  }

  /** ephemeral: one leader ack, no retry, not awaited (a lost event is superseded by the next) */
  signal(s: Signal): void {
    const value = encodeSignal(s);
    this.signals.send({ topic: this.o.topic, acks: 1, messages: s.topics.map((key) => ({ key, value })) }).catch(() => {});
  }

  // every node reads every partition; a subscribe only says which rooms to pass on (and where each stands)
  async subscribe(topic: string): Promise<void> {
    this.topics.add(topic);
    if (topic.startsWith('@')) return;
    this.reorder.watch(topic);
    this.reorder.start(topic, await this.store.peek(topic).catch(() => null));
  }

  async unsubscribe(topic: string): Promise<void> {
    this.topics.delete(topic);
    this.reorder.forget(topic);
  }

  on(events: BrokerEvents): void { this.events = events; }

  health(): { store: boolean; bus: boolean } {
    return { store: this.store.healthy(), bus: this.producerUp && this.consumerUp };
  }

  /** true while both the producer and the consumer are up */
  healthy(): boolean {
    return this.producerUp && this.consumerUp;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([this.consumer.disconnect(), this.producer.disconnect(), this.signals.disconnect(), this.store.close()]);
  }
}

