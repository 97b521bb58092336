/** Threshold evaluation: every check of the scenario against the run's metrics. */
import type { Threshold } from '../scenario/scenario.js';
import type { ThresholdOutcome } from '../result.js';

const OPS: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b, '==': (a, b) => a === b, '!=': (a, b) => a !== b,
};

/**
 * Evaluates every threshold. A metric the run could not measure (NaN: a latency with no samples, a
 * phase that did not run) is not met: no verdict is drawn from missing data.
 */
export function evaluate(thresholds: readonly Threshold[], metrics: Record<string, number>): ThresholdOutcome[] {
  return thresholds.map((t) => {
    const actual = metrics[t.metric];
    const measured = Number.isFinite(actual);
    const out: ThresholdOutcome = { expr: t.expr, metric: t.metric, op: t.op, value: t.value, actual, ok: measured && OPS[t.op](actual, t.value) };
    if (!measured) out.no_samples = true;
    return out;
  });
}
