/**
 * The archive's at-least-once queue: a Redis Stream the store's append script writes in the same step
 * as the room log (so every acked message is queued), read through a consumer group. An entry is
 * acknowledged (XACK) only after Cassandra took it; a worker that dies leaves its entries pending, and
 * reads them first when it comes back (or another worker claims them once idle). Acknowledged entries
 * are trimmed, so the stream holds only what is not archived yet.
 */
import type { Redis } from 'ioredis';
import { fromStored } from '../broker/broker.js';
import type { ColdRow } from './cold.js';

/** the stream the Redis store appends to when an archive is configured */
export const ARCHIVE_STREAM = 'bfg:archive';
const GROUP = 'archivers';

/** one queue entry: its stream id and the row it carries (null for an entry that cannot be read) */
export interface QueueEntry<T = ColdRow> { id: string; row: T | null }

type StreamReply = [string, [string, string[]][]][] | null;

/** a stream entry's fields as an object */
export function fieldsOf(fields: string[]): Record<string, string> {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
  return f;
}

/** reads an entry's fields (e epoch, m stored message) */
function toRow(fields: string[]): ColdRow | null {
  try {
    const f = fieldsOf(fields);
    const m = fromStored(f.m);
    return typeof m.room === 'string' && Number.isSafeInteger(m.seq) && f.e ? { room: m.room, epoch: f.e, seq: m.seq, msg: f.m } : null;
  } catch {
    return null;
  }
}

/** the ms timestamp of a stream id */
const idMs = (id: string): number => Number(id.split('-')[0]);

/**
 * An at-least-once queue on a Redis Stream read through a consumer group: the archive's, and the offline
 * notifications' relay to Kafka (server/notify-relay.ts) with its own group and entry parser.
 */
export class StreamQueue<T> {
  /** own pending entries are read first (a restart after a crash), then new ones */
  private pendingFirst = true;

  /** `reader`: a connection of its own (reads block on it); `cmd`: any other; `consumer`: this worker's name in the group */
  constructor(private readonly reader: Redis, private readonly cmd: Redis, readonly consumer: string, readonly stream: string,
    private readonly group: string, private readonly parse: (fields: string[]) => T | null) {}

  /** creates the consumer group (from the stream's start) when missing */
  async init(): Promise<void> {
    try {
      await this.cmd.xgroup('CREATE', this.stream, this.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!/BUSYGROUP/.test((err as Error).message)) throw err;
    }
  }

  /** up to `count` entries: this worker's pending ones, then entries idle past `claimIdleMs` that another worker left, then new ones (waiting up to `blockMs`) */
  async read(count: number, blockMs: number, claimIdleMs = 30_000): Promise<QueueEntry<T>[]> {
    if (this.pendingFirst) {
      const own = (await this.reader.xreadgroup('GROUP', this.group, this.consumer, 'COUNT', count, 'STREAMS', this.stream, '0')) as StreamReply;
      const entries = own?.[0]?.[1] ?? [];
      if (entries.length > 0) return entries.map(([id, fields]) => ({ id, row: fields ? this.parse(fields) : null }));
      this.pendingFirst = false;
      const claimed = (await this.cmd.xautoclaim(this.stream, this.group, this.consumer, claimIdleMs, '0', 'COUNT', count)) as [string, [string, string[]][]];
      if (claimed[1].length > 0) {
        this.pendingFirst = true; // read the rest of them as own pending entries
        return claimed[1].map(([id, fields]) => ({ id, row: this.parse(fields) }));
      }
    }
    const fresh = (await this.reader.xreadgroup('GROUP', this.group, this.consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', this.stream, '>')) as StreamReply;
    return (fresh?.[0]?.[1] ?? []).map(([id, fields]) => ({ id, row: this.parse(fields) }));
  }

  /** acknowledges entries Cassandra took, and trims the stream below the oldest entry still unacknowledged */
  async ack(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.cmd.xack(this.stream, this.group, ...ids);
    const [oldest] = await this.oldestUnarchived();
    if (oldest) await this.cmd.xtrim(this.stream, 'MINID', oldest);
    else await this.cmd.xtrim(this.stream, 'MINID', incrementId(ids[ids.length - 1]));
  }

  /** messages not archived yet and how long the oldest of them has waited (seconds): the archive's lag */
  async lag(now = Date.now()): Promise<{ messages: number; seconds: number }> {
    const [oldest, messages] = await this.oldestUnarchived();
    return { messages, seconds: oldest ? Math.max(0, (now - idMs(oldest)) / 1000) : 0 };
  }

  /** the oldest entry not acknowledged yet (pending, or not delivered) and how many there are */
  private async oldestUnarchived(): Promise<[string | undefined, number]> {
    const groups = (await this.cmd.xinfo('GROUPS', this.stream)) as (string | number | null)[][];
    const g = groups.map((row) => Object.fromEntries(row.reduce<[string, unknown][]>((acc, v, i) => (i % 2 ? acc : [...acc, [String(v), row[i + 1]]]), []))).find((x) => x.name === this.group);
    if (!g) return [undefined, 0];
    const pending = Number(g.pending ?? 0);
    const undelivered = g.lag === null || g.lag === undefined ? Number(await this.cmd.xlen(this.stream)) - pending : Number(g.lag);
    if (pending > 0) {
      const summary = (await this.cmd.xpending(this.stream, this.group)) as [number, string | null, string | null, unknown];
      return [summary[1] ?? undefined, pending + undelivered];
    }
    if (undelivered > 0) {
      const next = (await this.cmd.xrange(this.stream, `(${String(g['last-delivered-id'])}`, '+', 'COUNT', 1)) as [string, string[]][];
      return [next[0]?.[0], undelivered];
    }
    return [undefined, 0];
  }
}

/** The archive's queue: the stream the append script writes, read by the archive workers' group. */
export class ArchiveQueue extends StreamQueue<ColdRow> {
  constructor(reader: Redis, cmd: Redis, consumer: string, stream = ARCHIVE_STREAM) {
    super(reader, cmd, consumer, stream, GROUP, toRow);
  }
}

/** the stream id right after `id` (MINID keeps ids >= it) */
function incrementId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${Number(seq) + 1}`;
}
