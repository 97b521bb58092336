/**
 * One page of a room's history for GET /rooms/:room/messages, forwards (`after=`) or backwards
 * (`before=`), across the hot window (the store) and the cold tier (Cassandra, with --archive) as one
 * contiguous run of seqs. A page is bounded by count and by encoded bytes, and read in chunks of what
 * fits under the byte cap, so a read never holds much more than one page in memory. A page that
 * would skip seqs (the cold tier is down, or has not archived them yet) is refused with
 * history_unavailable rather than served with a hole.
 */
import { BfgError, type MsgFrame } from '../protocol/index.js';
import { forHttp, type RoomHead } from './broker/broker.js';
import type { Context } from './context.js';

export type Tier = 'hot' | 'cold';

export interface Page {
  /** encoded messages, oldest first */
  parts: string[];
  /** the tiers the page was read from, in seq order */
  tiers: Tier[];
  /** true when the page ended early at the byte cap (forwards), or older messages exist (backwards) */
  more: boolean;
}

/**
 * A page's byte budget: a message is encoded once and taken while the page stays under
 * --max-history-bytes; the first always fits (a body is at most --max-body), so paging always advances.
 * `chunk`: messages per store read, what fits under the cap at --max-body each.
 */
class Budget {
  private bytes = 64;
  readonly chunk: number;
  constructor(private readonly max: number, maxBody: number, limit: number) {
    this.chunk = Math.max(1, Math.min(limit, Math.floor(max / maxBody)));
  }

  /** the message encoded for the page, or undefined when it would pass the cap (`taken`: messages on the page so far) */
  take(m: MsgFrame, taken: number): string | undefined {
    const enc = JSON.stringify(forHttp(m)), size = Buffer.byteLength(enc) + 1;
    if (taken > 0 && this.bytes + size > this.max) return undefined;
    this.bytes += size;
    return enc;
  }
}

/** reads from the cold tier; a failure is history_unavailable */
async function cold<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw new BfgError('history_unavailable', `the cold tier (Cassandra) did not answer: ${(err as Error).message}`);
  }
}

/** a hole between what was read and what comes next: the cold tier lacks those seqs */
function hole(ctx: Context, from: number, to: number): BfgError {
  const lag = ctx.archive?.lag();
  return new BfgError('history_unavailable', `seqs ${from}..${to} are older than the hot window and not in the cold tier${lag ? ` (archive lag ${lag.messages} messages, ${lag.seconds.toFixed(1)} s; state ${ctx.archive!.state()})` : ' (no --archive: they are gone)'}`);
}

/** one page backwards: the newest `limit` messages with seq < before, oldest first */
export async function pageBefore(ctx: Context, room: string, found: RoomHead, before: number, limit: number): Promise<Page> {
  const arch = ctx.archive, budget = new Budget(ctx.opts.maxHistoryBytes, ctx.opts.maxBody, limit);
  const newestFirst: string[] = [];
  const tiers = new Set<Tier>();
  let top = Math.min(before, found.head + 1), hotDone = false, cut = false;
  while (newestFirst.length < limit && top > 1) {
    const want = Math.min(budget.chunk, limit - newestFirst.length);
    let batch: MsgFrame[] = [];
    if (!hotDone) {
      batch = await ctx.broker.historyBefore(room, top, want);
      if (batch.length < want) hotDone = true;
      if (batch.length) tiers.add('hot');
    }
    if (batch.length === 0) {
      if (!arch) break; // without a cold tier, older messages are gone
      batch = await cold(() => arch.cold.before(room, found.epoch, top, want));
      if (batch.length === 0 || batch[batch.length - 1].seq !== top - 1) throw hole(ctx, batch.length ? batch[batch.length - 1].seq + 1 : 1, top - 1);
      tiers.add('cold');
    } else if (batch[batch.length - 1].seq !== top - 1 && top <= found.head) {
      throw hole(ctx, batch[batch.length - 1].seq + 1, top - 1);
    }
    for (let i = batch.length - 1; i >= 0; i--) {
      const m = batch[i];
      if (i < batch.length - 1 && m.seq !== batch[i + 1].seq - 1) throw hole(ctx, m.seq + 1, batch[i + 1].seq - 1);
      const enc = budget.take(m, newestFirst.length);
      if (enc === undefined) {
        cut = true;
        break;
      }
      newestFirst.push(enc);
      top = m.seq;
    }
    if (cut) break;
  }
  return { parts: newestFirst.reverse(), tiers: [...tiers].reverse(), more: top > 1 && (cut || newestFirst.length === limit) };
}

/** one page forwards: messages with seq > after, oldest first, reading the cold tier for seqs older than the hot window */
export async function pageAfter(ctx: Context, room: string, found: RoomHead, after: number, limit: number): Promise<Page> {
  const arch = ctx.archive, budget = new Budget(ctx.opts.maxHistoryBytes, ctx.opts.maxBody, limit);
  const parts: string[] = [];
  const tiers = new Set<Tier>();
  let from = after, more = false;
  while (parts.length < limit && from < found.head) {
    const want = Math.min(budget.chunk, limit - parts.length);
    let batch = await ctx.broker.history(room, from, want), fromCold = false;
    if (arch && (batch.length === 0 || batch[0].seq > from + 1)) {
      // older than the hot window: the cold tier has from+1 up to the window's first seq
      const upTo = batch.length ? batch[0].seq - 1 : found.head;
      batch = await cold(() => arch.cold.after(room, found.epoch, from, upTo, want));
      if (batch.length === 0 || batch[0].seq !== from + 1) throw hole(ctx, from + 1, batch.length ? batch[0].seq - 1 : upTo);
      tiers.add('cold');
      fromCold = true;
    } else if (batch.length) tiers.add('hot');
    for (const m of batch) {
      const enc = budget.take(m, parts.length);
      if (enc === undefined) {
        more = true;
        break;
      }
      parts.push(enc);
      from = m.seq;
    }
    // a short hot read is the log's end; a short cold read stops at the hot window, which comes next
    if (more || (!fromCold && batch.length < want)) break;
  }
  return { parts, tiers: [...tiers], more };
}
