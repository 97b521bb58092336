/** Latency histograms (HDR, microseconds) that merge exactly across agents. */
import * as hdr from 'hdr-histogram-js';

export type Hist = hdr.Histogram;

// the WebAssembly build records about 7x faster than the JS one (agents record once per delivery)
hdr.initWebAssemblySync();

/** A histogram for 1 µs .. 1 h at 3 significant digits; `fast` = the WebAssembly build, for recording. */
export function newHist(fast = false): Hist {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: fast });
}

/** Serialises a histogram for the trip from an agent to the coordinator. */
export const encodeHist = (h: Hist): string => hdr.encodeIntoCompressedBase64(h);

/** Decodes one encoded histogram (`fast`: the WebAssembly build, to add into one; destroy it after). */
export const decodeHist = (e: string, fast = false): Hist => hdr.decodeFromCompressedBase64(e, 32, fast);

/** Merges encoded histograms into one. */
export function mergeHists(encoded: readonly string[]): Hist {
  const out = newHist();
  for (const e of encoded) if (e) out.add(hdr.decodeFromCompressedBase64(e));
  return out;
}

export interface Percentiles { count: number; p50_ms: number; p90_ms: number; p99_ms: number; p999_ms: number; max_ms: number }

/** The percentiles reported for a latency histogram, in ms. */
export function percentiles(h: Hist): Percentiles {
  const ms = (q: number) => (h.totalCount ? Math.round(h.getValueAtPercentile(q)) / 1000 : 0);
  return { count: h.totalCount, p50_ms: ms(50), p90_ms: ms(90), p99_ms: ms(99), p999_ms: ms(99.9), max_ms: h.totalCount ? h.maxValue / 1000 : 0 };
}
