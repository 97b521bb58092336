/** Threshold evaluation: every check of the scenario against the run's metrics. */
import type { Threshold } from '../scenario/scenario.js';
import type { ThresholdOutcome } from '../result.js';

const OPS: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b, '==': (a, b) => a === b, '!=': (a, b) => a !== b,
};

/** Evaluates every threshold; a metric the run could not measure (NaN) fails its check. */
export function evaluate(thresholds: readonly Threshold[], metrics: Record<string, number>): ThresholdOutcome[] {
  return thresholds.map((t) => {
    const actual = metrics[t.metric];
    return { expr: t.expr, metric: t.metric, op: t.op, value: t.value, actual, ok: Number.isFinite(actual) && OPS[t.op](actual, t.value) };
  });
}
