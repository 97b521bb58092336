/** Unit conversions used by the calculators (binary units: 1 GiB = 1024 MiB = 1024² KiB). */
export const KIB_PER_GIB = 1024 * 1024;
export const SECONDS_PER_DAY = 86_400;

/** A calculated figure and where its inputs came from. */
export type Provenance = 'measured' | 'modeled';
