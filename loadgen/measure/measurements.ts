/**
 * What an agent measures, apart from the ledger: fan-out latency from the actual send (every, first
 * and last recipient) and from the intended send (coordinated omission shows there), the generator's
 * own error bar (send lag, receive processing per read), and a timeline in buckets of `bucketMs`.
 */
import { bucketIndex } from '../../common/buckets.js';
import { decodeHist, encodeHist, newHist, type Hist } from './histogram.js';
import { Spread } from './spread.js';

/** Cumulative counters and a gauge, sampled into each timeline bucket. */
export interface Counters { connected: number; sent: number; received: number; reconnects: number; connect_errors: number; rejected: number; arriving: number }

/** One timeline bucket: counters at its end, and its latency histogram (encoded) when it had deliveries. */
export interface Bucket extends Counters { t: number; lat?: string }

const us = (ms: number): number => Math.max(1, Math.round(ms * 1000));

/** Upper bounds (seconds) of the Prometheus histogram buckets the live metrics export. */
export const PROM_BUCKETS_S = Object.freeze([0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/** Counts per Prometheus bucket (not cumulative; the last slot is +Inf) and the sum, in seconds. */
export interface PromHist { counts: number[]; sum_s: number }

function promBucket(h: { counts: Float64Array; sum: number }, ms: number): void {
  const s = ms / 1000;
  h.counts[bucketIndex(PROM_BUCKETS_S, s)]++;
  h.sum += s;
}

export class Measurements {
  readonly every = newHist(true);
  readonly first = newHist(true);
  readonly last = newHist(true);
  /** latency from the intended send time: grows when the generator itself falls behind */
  readonly intended = newHist(true);
  /** send lag: actual − intended write time */
  readonly lag = newHist(true);
  /** receive processing: from a socket read's timestamp to the end of handling its bytes */
  readonly proc = newHist(true);
  /** the protocol's handshake: from the WebSocket open to the protocol session being ready */
  readonly hs = newHist(true);
  /** ephemeral events (typing, read receipts): from the origin gateway's receipt (`ts`, ms resolution) to the read */
  readonly typing = newHist(true);
  readonly read = newHist(true);
  private bucket: Hist = newHist(true);
  /** closed buckets whose histogram is not encoded yet (an agent encodes between sends: Scheduler.later), and spare histograms */
  private readonly unencoded: { b: Bucket; h: Hist }[] = [];
  private readonly spare: Hist[] = [];
  readonly timeline: Bucket[] = [];
  private readonly spreads = new Map<string, Spread>();

  /** the same figures in Prometheus buckets, cumulative over the run, for the live metrics */
  private readonly promLat = { counts: new Float64Array(PROM_BUCKETS_S.length + 1), sum: 0 };
  private readonly promLag = { counts: new Float64Array(PROM_BUCKETS_S.length + 1), sum: 0 };

  constructor(private readonly t0: number, readonly bucketMs: number) {}

  /** the live metrics' view: latency and send lag so far, in Prometheus buckets */
  prom(): { lat: PromHist; lag: PromHist } {
    return {
      lat: { counts: [...this.promLat.counts], sum_s: this.promLat.sum },
      lag: { counts: [...this.promLag.counts], sum_s: this.promLag.sum },
    };
  }

  /** the first/last-recipient ring of a group room */
  spread(room: string): Spread {
    let sp = this.spreads.get(room);
    if (!sp) this.spreads.set(room, (sp = new Spread(this.first, this.last)));
    return sp;
  }

  /** one fresh delivery: latency from the actual send, and from the intended one when the stamp has it */
  delivered(latMs: number, intendedLatMs: number | undefined): void {
    const v = us(latMs);
    this.every.recordValue(v);
    this.bucket.recordValue(v);
    promBucket(this.promLat, latMs);
    if (intendedLatMs !== undefined) this.intended.recordValue(us(intendedLatMs));
  }

  sendLag(ms: number): void {
    this.lag.recordValue(us(ms));
    promBucket(this.promLag, Math.max(0, ms));
  }

  handshook(ms: number): void {
    this.hs.recordValue(us(ms));
  }

  /** one ephemeral event delivered (kept apart from message latency) */
  ephemeral(kind: 'typing' | 'read', ms: number): void {
    this[kind].recordValue(us(ms));
  }

  processed(ms: number): void {
    this.proc.recordValue(us(ms));
  }

  /**
   * closes the bucket that ends at `t` (epoch ms) with these counters. Its latency histogram is encoded
   * now, or with `defer` later by `encodeClosed` (encoding compresses: up to milliseconds, which a send
   * due at a bucket's end would wait); the bucket is in the timeline either way, its `lat` set then
   */
  sample(t: number, c: Counters, defer = false): Bucket {
    const b: Bucket = { t: Math.round(((t - this.t0) / this.bucketMs)) * this.bucketMs / 1000, ...c };
    const prev = this.timeline.at(-1);
    if (prev && prev.t === b.t) {
      // the final sample fell in the last bucket: it takes its place (with its latencies), never a second point
      this.encodeClosed();
      this.timeline.pop();
      if (prev.lat) {
        const h = decodeHist(prev.lat, true);
        this.bucket.add(h);
        h.destroy();
      }
    }
    if (this.bucket.totalCount > 0) {
      this.unencoded.push({ b, h: this.bucket });
      this.bucket = this.spare.pop() ?? newHist(true);
    }
    this.timeline.push(b);
    if (!defer) this.encodeClosed();
    return b;
  }

  /** encodes the latency histograms of closed buckets (cheap when there are none) */
  encodeClosed(): void {
    for (let x = this.unencoded.shift(); x; x = this.unencoded.shift()) {
      x.b.lat = encodeHist(x.h);
      x.h.reset();
      this.spare.push(x.h);
    }
  }

  /** finishes the first/last rings (end of run) */
  flush(): void {
    for (const sp of this.spreads.values()) sp.flush();
  }

  /** every histogram, encoded for the trip to the coordinator */
  encode(): Record<'every' | 'first' | 'last' | 'intended' | 'lag' | 'proc' | 'hs' | 'typing' | 'read', string> {
    return {
      every: encodeHist(this.every), first: encodeHist(this.first), last: encodeHist(this.last),
      intended: encodeHist(this.intended), lag: encodeHist(this.lag), proc: encodeHist(this.proc), hs: encodeHist(this.hs),
      typing: encodeHist(this.typing), read: encodeHist(this.read),
    };
  }

  destroy(): void {
    this.encodeClosed();
    for (const h of [this.every, this.first, this.last, this.intended, this.lag, this.proc, this.hs, this.typing, this.read, this.bucket, ...this.spare]) h.destroy();
  }
}
