/**
 * The cold tier: every acked message in Cassandra (cassandra-driver), for history older than the hot
 * window. One table, the usual chat layout:
 *
 *   PRIMARY KEY ((room, epoch, bucket), seq) WITH CLUSTERING ORDER BY (seq DESC)
 *
 * - partition (room, epoch, bucket): a room's messages in runs of BUCKET_SEQS seqs. Bucketing by seq,
 *   not by day, bounds a partition by count: at most BUCKET_SEQS × --max-body (1024 × 64 KiB = 64 MiB),
 *   under Cassandra's ~100 MB guidance whatever the room's rate, and a busy room spreads over nodes.
 *   The epoch is in the key because a log Redis lost restarts at seq 1 under a new epoch.
 * - clustering seq, newest first: scrolling back reads a partition from its head.
 * - writes are idempotent upserts of the same row: a redelivered queue entry writes nothing twice.
 */
import cassandra from 'cassandra-driver';
import { BfgError, type MsgFrame } from '../../protocol/index.js';
import { fromStored } from '../broker/broker.js';

/** seqs per partition */
export const BUCKET_SEQS = 1024;
/** bytes of messages in one unlogged batch at most (Cassandra refuses batches past 50 KiB by default) */
const BATCH_BYTES = 40 * 1024;
/** the partition bucket of a seq */
export const bucketOf = (seq: number): number => Math.floor(seq / BUCKET_SEQS);

/** one message as the archive writes it: its room, log epoch, seq and stored JSON */
export interface ColdRow { room: string; epoch: string; seq: number; msg: string }

/** cassandra://host:port[,host:port][/keyspace] → contact points and keyspace */
export function parseCassandraUrl(url: string): { contactPoints: string[]; keyspace: string } {
  const m = /^cassandra:\/\/([^/]+)(?:\/([A-Za-z][A-Za-z0-9_]{0,47}))?\/?$/.exec(url);
  if (!m) throw new BfgError('bad_option', `archive: ${url} is not cassandra://HOST:PORT[,HOST:PORT][/keyspace] (scripts/cassandra.sh start 9042 starts one)`);
  return { contactPoints: m[1].split(','), keyspace: m[2] ?? 'bfg' };
}

export class ColdStore {
  private readonly client: cassandra.Client;
  private readonly keyspace: string;
  /** the last call's outcome: false after a failure until a call succeeds */
  private ok = false;

  /** `replication`: the keyspace's SimpleStrategy replication factor when this creates it */
  constructor(readonly url: string, private readonly replication = 1) {
    const { contactPoints, keyspace } = parseCassandraUrl(url);
    this.keyspace = keyspace;
    this.client = new cassandra.Client({
      contactPoints, localDataCenter: 'datacenter1',
      // a Cassandra that is down answers fast, so a history read fails in seconds, never hangs
      socketOptions: { connectTimeout: 2000, readTimeout: 5000 },
      policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(1000) },
    });
  }

  /** connects and creates the keyspace and table when missing */
  async start(): Promise<void> {
    try {
      await this.client.connect();
      await this.client.execute(`CREATE KEYSPACE IF NOT EXISTS ${this.keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${this.replication}}`);
      await this.client.execute(`CREATE TABLE IF NOT EXISTS ${this.keyspace}.messages (room text, epoch text, bucket int, seq bigint, msg text,
        PRIMARY KEY ((room, epoch, bucket), seq)) WITH CLUSTERING ORDER BY (seq DESC)`);
      this.ok = true;
    } catch (err) {
      await this.client.shutdown().catch(() => {});
      throw new BfgError('unreachable', `Cassandra at ${this.url} (${(err as Error).message.split('\n')[0]}); start one with scripts/cassandra.sh start 9042 and pass --archive cassandra://127.0.0.1:9042`);
    }
  }

  /**
   * writes rows (idempotent: a row written twice is the same row). Rows of one partition go in unlogged
   * batches — one mutation on one replica set, not one request per row — of at most BATCH_BYTES, under
   * Cassandra's batch_size_fail_threshold (50 KiB by default)
   */
  async write(rows: readonly ColdRow[]): Promise<void> {
    const cql = `INSERT INTO ${this.keyspace}.messages (room, epoch, bucket, seq, msg) VALUES (?, ?, ?, ?, ?)`;
    type Query = { query: string; params: unknown[] };
    const open = new Map<string, { queries: Query[]; bytes: number }>();
    const batches: Query[][] = [];
    for (const r of rows) {
      const key = `${r.room}\0${r.epoch}\0${bucketOf(r.seq)}`;
      let b = open.get(key);
      if (!b || (b.queries.length > 0 && b.bytes + r.msg.length > BATCH_BYTES)) {
        open.set(key, (b = { queries: [], bytes: 0 }));
        batches.push(b.queries);
      }
      b.queries.push({ query: cql, params: [r.room, r.epoch, bucketOf(r.seq), r.seq, r.msg] });
      b.bytes += r.msg.length;
    }
    await this.track(Promise.all(batches.map((b) => (b.length === 1 ? this.client.execute(cql, b[0].params, { prepare: true }) : this.client.batch(b, { prepare: true, logged: false })))));
  }

  /** the newest `limit` archived messages of the room with seq < beforeSeq, oldest first */
  async before(room: string, epoch: string, beforeSeq: number, limit: number): Promise<MsgFrame[]> {
    const out: MsgFrame[] = [];
    const cql = `SELECT msg FROM ${this.keyspace}.messages WHERE room = ? AND epoch = ? AND bucket = ? AND seq < ? ORDER BY seq DESC LIMIT ?`;
    for (let b = bucketOf(beforeSeq - 1); b >= 0 && out.length < limit; b--) {
      const rs = await this.track(this.client.execute(cql, [room, epoch, b, beforeSeq, limit - out.length], { prepare: true }));
      for (const row of rs.rows) out.push(fromStored(row.msg as string));
    }
    return out.reverse();
  }

  /** archived messages with afterSeq < seq <= upToSeq, oldest first, at most limit */
  async after(room: string, epoch: string, afterSeq: number, upToSeq: number, limit: number): Promise<MsgFrame[]> {
    const out: MsgFrame[] = [];
    const cql = `SELECT msg FROM ${this.keyspace}.messages WHERE room = ? AND epoch = ? AND bucket = ? AND seq > ? AND seq <= ? ORDER BY seq ASC LIMIT ?`;
    for (let b = bucketOf(afterSeq + 1); b <= bucketOf(upToSeq) && out.length < limit; b++) {
      const rs = await this.track(this.client.execute(cql, [room, epoch, b, afterSeq, upToSeq, limit - out.length], { prepare: true }));
      for (const row of rs.rows) out.push(fromStored(row.msg as string));
    }
    return out;
  }

  /** how many messages of a room's epoch are archived (tests and checks: reads every bucket up to `head`) */
  async count(room: string, epoch: string, head: number): Promise<number> {
    let n = 0;
    for (let b = 0; b <= bucketOf(head); b++) {
      const rs = await this.track(this.client.execute(`SELECT COUNT(*) AS n FROM ${this.keyspace}.messages WHERE room = ? AND epoch = ? AND bucket = ?`, [room, epoch, b], { prepare: true }));
      n += Number(rs.rows[0].n);
    }
    return n;
  }

  /** true while the last call to Cassandra succeeded */
  healthy(): boolean {
    return this.ok;
  }

  async close(): Promise<void> {
    await this.client.shutdown().catch(() => {});
  }

  private async track<T>(p: Promise<T>): Promise<T> {
    try {
      const v = await p;
      this.ok = true;
      return v;
    } catch (err) {
      this.ok = false;
      throw err;
    }
  }
}
