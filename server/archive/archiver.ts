/**
 * The archive worker: reads the queue in batches, writes each batch to Cassandra, and only then
 * acknowledges it — at least once into an idempotent table, so exactly once in it. While Cassandra is
 * down the batch is retried with a capped backoff and the queue grows; it drains by itself when
 * Cassandra returns. Never on a message's ack path: the gateway acks after the Redis append.
 */
import type { ColdRow } from './cold.js';
import type { QueueEntry, StreamQueue } from './queue.js';

export interface ArchiverOptions {
  /** entries per read and per Cassandra batch */
  batch: number;
  /** longest a read waits for new entries */
  blockMs: number;
}

/** Where a worker writes a batch (Cassandra for the archive; Kafka for the notification relay): resolves once it is taken. */
export interface BatchSink<T> { write(rows: T[]): Promise<void> }

/** The archive worker; the notification relay (server/notify-relay.ts) is the same loop with its own queue and sink. */
export class Archiver<T = ColdRow> {
  /** messages written to Cassandra, and Cassandra write failures (each batch is retried) */
  written = 0;
  writeErrors = 0;
  private closed = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly queue: StreamQueue<T>, private readonly cold: BatchSink<T>, private readonly o: ArchiverOptions) {}

  /** starts the worker (the queue's group must exist: ArchiveQueue.init) */
  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      let entries: QueueEntry<T>[] = [];
      if (!(await this.retry(async () => { entries = await this.queue.read(this.o.batch, this.o.blockMs); }))) return;
      if (entries.length === 0) continue;
      // entries that cannot be read are acknowledged with the rest: retrying them would never succeed
      const rows = entries.flatMap((e) => (e.row ? [e.row] : []));
      // written before acknowledged: acknowledging first would lose the batch in a crash
      if (!(await this.retry(() => this.cold.write(rows), () => this.writeErrors++))) return; // stopped: read again by the next worker
      this.written += rows.length;
      await this.retry(() => this.queue.ack(entries.map((e) => e.id)));
    }
  }

  /** runs `step` until it succeeds (true) with a capped backoff; false when stopped first */
  private async retry(step: () => Promise<unknown>, failed?: () => void): Promise<boolean> {
    for (let backoff = 100; !this.closed; backoff = Math.min(backoff * 2, 2000)) {
      try {
        await step();
        return true;
      } catch {
        failed?.();
        if (!this.closed) await new Promise((r) => setTimeout(r, backoff));
      }
    }
    return false;
  }

  /** stops after the batch in hand (what is not acknowledged stays pending for the next worker) */
  async stop(): Promise<void> {
    this.closed = true;
    await this.loop?.catch(() => {});
  }
}
