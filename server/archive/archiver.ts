/**
 * The archive worker: reads the queue in batches, writes each batch to Cassandra, and only then
 * acknowledges it — at least once into an idempotent table, so exactly once in it. While Cassandra is
 * down the batch is retried with a capped backoff and the queue grows; it drains by itself when
 * Cassandra returns. Never on a message's ack path: the gateway acks after the Redis append.
 */
import type { ColdStore } from './cold.js';
import type { ArchiveQueue } from './queue.js';

export interface ArchiverOptions {
  /** entries per read and per Cassandra batch */
  batch: number;
  /** longest a read waits for new entries */
  blockMs: number;
  /** how often the lag is read */
  lagEveryMs: number;
}

export class Archiver {
  /** messages written to Cassandra, Cassandra write failures, and queue entries that could not be read */
  written = 0;
  writeErrors = 0;
  unreadable = 0;
  /** the archive's lag as last read: messages not archived yet, and the oldest one's wait in seconds */
  lag = { messages: 0, seconds: 0 };
  private closed = false;
  private loop: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly queue: ArchiveQueue, private readonly cold: ColdStore, private readonly o: ArchiverOptions = { batch: 500, blockMs: 1000, lagEveryMs: 1000 }) {}

  /** true while Cassandra takes writes */
  get up(): boolean {
    return this.cold.healthy();
  }

  /** starts the worker (after the queue's group exists) */
  async start(): Promise<void> {
    await this.queue.init();
    const readLag = () => void this.queue.lag().then((l) => { this.lag = l; }, () => {});
    readLag();
    this.timer = setInterval(readLag, this.o.lagEveryMs);
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.closed) {
      let entries;
      try {
        entries = await this.queue.read(this.o.batch, this.o.blockMs);
      } catch {
        if (this.closed) return;
        await sleep(backoff = Math.min(backoff * 2, 2000));
        continue;
      }
      if (entries.length === 0) continue;
      const rows = entries.flatMap((e) => (e.row ? [e.row] : []));
      this.unreadable += entries.length - rows.length;
      // retried until Cassandra takes it: acknowledging first would lose the batch in a crash
      for (backoff = 100; !this.closed;) {
        try {
          await this.cold.write(rows);
          break;
        } catch {
          this.writeErrors++;
          await sleep(backoff = Math.min(backoff * 2, 2000));
        }
      }
      if (this.closed) return; // not acknowledged: read again by the next worker
      this.written += rows.length;
      for (backoff = 100; !this.closed;) {
        try {
          await this.queue.ack(entries.map((e) => e.id));
          break;
        } catch {
          await sleep(backoff = Math.min(backoff * 2, 2000));
        }
      }
    }
  }

  /** stops after the batch in hand (what is not acknowledged stays pending for the next worker) */
  async stop(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.loop?.catch(() => {});
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
