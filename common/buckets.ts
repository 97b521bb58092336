/** The Prometheus bucket a value falls in: the first upper bound it does not exceed, or bounds.length for +Inf. */
export function bucketIndex(bounds: readonly number[], v: number): number {
  let i = 0;
  while (i < bounds.length && v > bounds[i]) i++;
  return i;
}
