/**
 * The cold tier as a gateway holds it: the Cassandra reader for old history pages, the queue's lag, and
 * (with --archive-worker, the default) the archive worker in this process. Its metrics join the
 * gateway's registry; its state joins /health without failing it (live chat does not need Cassandra).
 */
import type { Redis } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';
import { Archiver } from './archiver.js';
import { ColdStore } from './cold.js';
import { ArchiveQueue } from './queue.js';

/** how far behind the archive may be before /health says so */
const BEHIND_S = 30;

export class ArchiveTier {
  private lagNow = { messages: 0, seconds: 0 };
  private timer: NodeJS.Timeout | undefined;

  private constructor(readonly cold: ColdStore, readonly queue: ArchiveQueue, readonly worker: Archiver | undefined, private readonly reader: Redis | undefined) {}

  /** connects to Cassandra (creating the schema) and starts the worker when asked; `reader` is a Redis connection of the worker's own */
  static async open(url: string, cmd: Redis, reader: Redis | undefined, o: { node: string; replication: number; batch: number }): Promise<ArchiveTier> {
    const cold = new ColdStore(url, o.replication);
    await cold.start();
    const queue = new ArchiveQueue(reader ?? cmd, cmd, `archive-${o.node}`);
    await queue.init();
    const worker = reader ? new Archiver(queue, cold, { batch: o.batch, blockMs: 1000 }) : undefined;
    const tier = new ArchiveTier(cold, queue, worker, reader);
    worker?.start();
    // the lag is read once a second, worker or not: /metrics and /health read the last figure
    const poll = () => void queue.lag().then((l) => { tier.lagNow = l; }, () => {});
    poll();
    tier.timer = setInterval(poll, 1000);
    return tier;
  }

  /** messages not archived yet, and the oldest one's wait in seconds */
  lag(): { messages: number; seconds: number } {
    return this.lagNow;
  }

  /** up: Cassandra answers and the lag is small; behind: it answers but the queue is old; down: it does not answer */
  state(): 'up' | 'behind' | 'down' {
    if (!this.cold.healthy()) return 'down';
    return this.lag().seconds > BEHIND_S ? 'behind' : 'up';
  }

  /** the archive's gauges and counters in the gateway's registry */
  register(registry: Registry): void {
    const self = this;
    new Gauge({ name: 'bfg_archive_lag_messages', help: 'acked messages not in Cassandra yet (the archive queue)', registers: [registry], collect() { this.set(self.lag().messages); } });
    new Gauge({ name: 'bfg_archive_lag_seconds', help: 'how long the oldest message not archived yet has waited', registers: [registry], collect() { this.set(self.lag().seconds); } });
    new Gauge({ name: 'bfg_archive_up', help: '1 while Cassandra answers the archive (writes or history reads)', registers: [registry], collect() { this.set(self.cold.healthy() ? 1 : 0); } });
    if (!this.worker) return;
    const w = this.worker;
    let written = 0, errors = 0;
    new Counter({ name: 'bfg_archive_written_total', help: 'messages the in-process archive worker wrote to Cassandra', registers: [registry], collect() { this.inc(w.written - written); written = w.written; } });
    new Counter({ name: 'bfg_archive_write_errors_total', help: 'Cassandra write failures of the in-process archive worker (each batch is retried)', registers: [registry], collect() { this.inc(w.writeErrors - errors); errors = w.writeErrors; } });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    const stopping = this.worker?.stop();
    this.reader?.disconnect(); // ends a blocked read at once
    await stopping;
    await this.cold.close();
  }
}
