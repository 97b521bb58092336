/** What the benches print of repeated rounds: the median and the range. */

/** the middle value (the upper one of an even count), as every bench here reports rounds */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `median [min..max]` with two decimals */
export const spread = (xs: number[]): string => `${median(xs).toFixed(2)} [${Math.min(...xs).toFixed(2)}..${Math.max(...xs).toFixed(2)}]`;

/** P(X <= k) for X ~ Binomial(n, 1/2) */
function binomialHalfCdf(n: number, k: number): number {
  let c = 1, sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += c;
    c = (c * (n - i)) / (i + 1);
  }
  return sum / 2 ** n;
}

/**
 * A distribution-free interval of the median of paired rounds (the sign test's): the k-th smallest and
 * the k-th largest value cover the true median with probability 1 − 2·P(Binomial(n, ½) ≤ k − 1). The
 * narrowest such interval (the largest k) with at least `minCoverage`, or [min..max] with its own (lower) coverage when n is
 * too small to reach it. With 5 rounds [min..max] covers 93.75%; with 8, the 2nd smallest to the 2nd
 * largest cover 92.97%: more rounds need not all agree for the same confidence.
 */
export function medianInterval(xs: number[], minCoverage = 0.9): { lo: number; hi: number; coverage: number } {
  const s = [...xs].sort((a, b) => a - b), n = s.length;
  let k = 1;
  while (k + 1 <= n / 2 && 1 - 2 * binomialHalfCdf(n, k) >= minCoverage) k++;
  return { lo: s[k - 1], hi: s[n - k], coverage: 1 - 2 * binomialHalfCdf(n, k - 1) };
}
