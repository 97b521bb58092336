/** What the benches print of repeated rounds: the median and the range. */

/** the middle value (the upper one of an even count), as every bench here reports rounds */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `median [min..max]` with two decimals */
export const spread = (xs: number[]): string => `${median(xs).toFixed(2)} [${Math.min(...xs).toFixed(2)}..${Math.max(...xs).toFixed(2)}]`;
