/**
 * Subscription batching: the SUBSCRIBEs and UNSUBSCRIBEs asked for during one event-loop turn go to
 * Redis as one command per run of the same kind, in the order asked (each connection subscribes its
 * user's inbox, and the first member of a room the room). A connection takes several turns to open, so
 * only a burst of connections brings several into one turn. Not for SSUBSCRIBE: in a cluster the channels of one command must share a slot.
 */
import type { Redis } from 'ioredis';

interface Ask { sub: boolean; channel: string; settle(err?: unknown): void }

export class SubscriptionBatch {
  private queue: Ask[] = [];

  constructor(private readonly conn: Redis) {}

  /** subscribes (`sub`) or unsubscribes `channel` with the rest of this turn's; settles with its command */
  add(sub: boolean, channel: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (!this.queue.length) setImmediate(this.flush);
      this.queue.push({ sub, channel, settle: (err) => (err === undefined ? resolve() : reject(err)) });
    });
  }

  private readonly flush = (): void => {
    const q = this.queue;
    this.queue = [];
    for (let i = 0; i < q.length;) {
      let j = i + 1;
      while (j < q.length && q[j].sub === q[i].sub) j++;
      const run = q.slice(i, j);
      const channels = run.map((a) => a.channel);
      const done = q[i].sub ? this.conn.subscribe(...channels) : this.conn.unsubscribe(...channels);
      done.then(() => { for (const a of run) a.settle(); }, (err: unknown) => { for (const a of run) a.settle(err ?? new Error('subscribe failed')); });
      i = j;
    }
  };
}
