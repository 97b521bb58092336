/**
 * `--notify kafka`: the append script still writes each offline-notification record to the Redis Stream
 * `bfg:notify` in the same step as its message (so none is missing and none written twice there); a
 * relay in every gateway moves them to a Kafka topic through one consumer group — produced (idempotent
 * producer, all replicas) before acknowledged, so a relay that dies re-sends at most its last batch, with
 * the same key: the record's idempotency key, on which the push service deduplicates. The stream is then
 * the relay's buffer, trimmed as records are acknowledged.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { BfgError } from '../protocol/index.js';
import { Archiver, type BatchSink } from './archive/archiver.js';
import { StreamQueue, fieldsOf } from './archive/queue.js';
import { withTimeout } from './broker/broker.js';

/** one notification record, as the append script writes it */
export interface NotifyRecord { key: string; user: string; room: string; seq: number; from: string; ts: number }

/** a record from a stream entry's fields, or null when it is not one */
export function toRecord(fields: string[]): NotifyRecord | null {
  const f = fieldsOf(fields);
  const seq = Number(f.seq), ts = Number(f.ts);
  if (!f.key || !f.user || !f.room || !Number.isSafeInteger(seq) || !Number.isFinite(ts)) return null;
  return { key: f.key, user: f.user, room: f.room, seq, from: f.from ?? '', ts };
}

/** the Kafka side: records produced with their idempotency key as the message key (one user's records on one partition, in order) */
class KafkaSink implements BatchSink<NotifyRecord> {
  constructor(private readonly producer: Producer, private readonly topic: string) {}
  async write(rows: NotifyRecord[]): Promise<void> {
    if (rows.length === 0) return;
    await this.producer.send({ topic: this.topic, acks: -1, messages: rows.map((r) => ({ key: r.user, value: JSON.stringify(r), headers: { key: r.key } })) });
  }
}

export interface RelayOptions { brokers: string[]; topic: string; partitions: number; node: string; stream: string; batch: number }

/** The relay of one gateway: started by openParts with --notify kafka, closed with the gateway. */
export class NotifyRelay {
  private constructor(private readonly worker: Archiver<NotifyRecord>, private readonly producer: Producer, private readonly reader: Redis) {}

  /** connects to Kafka (creating the topic if missing) and starts relaying; `reader` is a Redis connection of its own (reads block on it) */
  static async open(o: RelayOptions, reader: Redis, cmd: Redis): Promise<NotifyRelay> {
    const kafka = new Kafka({ clientId: `bfg-${o.node}-notify`, brokers: o.brokers, logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 } });
    const admin = kafka.admin();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    try {
      await withTimeout(admin.connect(), 15_000, `Kafka at ${o.brokers.join(',')} did not answer`);
      await admin.createTopics({ topics: [{ topic: o.topic, numPartitions: o.partitions }], waitForLeaders: true });
      await producer.connect();
    } catch (err) {
      await Promise.allSettled([admin.disconnect(), producer.disconnect()]);
      reader.disconnect();
      throw new BfgError('unreachable', `--notify kafka: ${(err as Error).message} (scripts/kafka.sh start 9092 starts a private broker)`);
    } finally {
      await admin.disconnect().catch(() => {});
    }
    // one group for every gateway's relay: each record goes to one of them; a dead one's are claimed after 30 s
    const queue = new StreamQueue(reader, cmd, `${o.node}-${randomBytes(3).toString('hex')}`, o.stream, 'notify-relays', toRecord);
    await queue.init();
    const worker = new Archiver(queue, new KafkaSink(producer, o.topic), { batch: o.batch, blockMs: 1000 });
    worker.start();
    return new NotifyRelay(worker, producer, reader);
  }

  /** records relayed so far, and Kafka write failures (each batch is retried) */
  get relayed(): number { return this.worker.written; }
  get errors(): number { return this.worker.writeErrors; }

  async close(): Promise<void> {
    const stopping = this.worker.stop();
    this.reader.disconnect(); // a read blocked on it ends now
    await stopping;
    await this.producer.disconnect().catch(() => {});
  }
}
