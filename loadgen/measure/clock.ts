/**
 * The generator's clock: monotonic (performance.now, never stepped by NTP) on the epoch scale, in ms
 * with µs resolution. Sends stamp it just before the write, reads just before parsing.
 */
export const nowMs = (): number => performance.timeOrigin + performance.now();
