/**
 * Kafka bus (kafkajs): one topic, message key = room (or inbox) so each room stays on one partition
 * and in order; every gateway node consumes with its own consumer group and delivers only to topics
 * with local members. Idempotent producer with acks=all; a publish waits at most publishTimeoutMs,
 * then fails (the message is already stored: members recover it). Duplicates after a consumer restart
 * are dropped by seq in the room index.
 */
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { BfgError } from '../../protocol/index.js';
import { decodeEnvelope, encodeEnvelope } from '../envelope.js';
import type { Bus, Envelope } from './bus.js';

export interface KafkaBusOptions { brokers: string[]; node: string; topic: string; partitions: number; publishTimeoutMs: number }

export class KafkaBus implements Bus {
  readonly seqOrdered = false;
  private handler: (env: Envelope) => void = () => {};
  private readonly producer: Producer;
  private readonly consumer: Consumer;
  private producerUp = false;
  private consumerUp = false;
  private closed = false;

  constructor(private readonly o: KafkaBusOptions, private readonly kafka = new Kafka({
    clientId: `bfg-${o.node}`, brokers: o.brokers, logLevel: logLevel.NOTHING,
    retry: { retries: 1000, initialRetryTime: 100, maxRetryTime: 1000 },
  })) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 3, initialRetryTime: 100 } });
    this.consumer = kafka.consumer({
      groupId: `bfg-${o.node}`, sessionTimeout: 10_000, heartbeatInterval: 1000,
      // a crashed consumer restarts itself (the broker came back) unless the bus was closed
      retry: { retries: 1000, initialRetryTime: 100, maxRetryTime: 1000, restartOnFailure: async () => !this.closed },
    });
    this.producer.on(this.producer.events.CONNECT, () => { this.producerUp = true; });
    this.producer.on(this.producer.events.DISCONNECT, () => { this.producerUp = false; });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => { this.consumerUp = true; });
    this.consumer.on(this.consumer.events.CRASH, () => { this.consumerUp = false; });
    this.consumer.on(this.consumer.events.DISCONNECT, () => { this.consumerUp = false; });
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
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.o.topic, fromBeginning: false });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const v = message.value?.toString();
        const key = message.key?.toString();
        if (!v || !key) return;
        const env = decodeEnvelope(key, v);
        if (!env) return;
        try {
          this.handler(env);
        } catch (err) {
          console.error(`bfg serve: dropped a bus message for ${key}: ${(err as Error).message}`);
        }
      },
    });
    // the first fetch happens after the group is joined: wait for it so no early publish is missed
    const end = Date.now() + 15_000;
    while (!this.consumerUp && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  }

  async publish(env: Envelope): Promise<void> {
    const value = encodeEnvelope(env);
    await withTimeout(this.producer.send({ topic: this.o.topic, acks: -1, messages: [{ key: env.topic, value }] }),
      this.o.publishTimeoutMs, `Kafka did not take the message within ${this.o.publishTimeoutMs} ms`);
  }

  // every node reads every partition; the room index ignores topics without local members
  async subscribe(): Promise<void> {}
  async unsubscribe(): Promise<void> {}

  onMessage(fn: (env: Envelope) => void): void {
    this.handler = fn;
  }

  healthy(): boolean {
    return this.producerUp && this.consumerUp;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([this.consumer.disconnect(), this.producer.disconnect()]);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => { t = setTimeout(() => reject(new Error(message)), ms); })]).finally(() => clearTimeout(t));
}
