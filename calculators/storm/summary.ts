/** The summary both storm engines report. */
import type { StormCurves, StormInput, StormSummary } from './input.js';

export function summarize(i: StormInput, dropped: number, c: StormCurves, timeTo99S: number | null): StormSummary {
  return {
    dropped,
    peakArrivalsPerSec: Math.max(0, ...c.arriving),
    timeTo99S: timeTo99S === null ? null : Math.round(timeTo99S * 1000) / 1000,
    totalRejected: c.rejected.reduce((a, b) => a + b, 0),
  };
}
