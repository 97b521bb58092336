/** Inputs and outputs of the reconnect-storm model and the fleet simulator. */
import { POLICIES as ALL, expBoundMs, type Policy } from '../../common/backoff.js';

/** every policy but `never`: a storm of clients that never come back has nothing to simulate */
export const POLICIES = ALL.filter((p): p is Exclude<Policy, 'never'> => p !== 'never');
export type StormPolicy = Exclude<Policy, 'never'>;
export { expBoundMs };

export interface StormInput {
  clients: number;
  servers: number;
  /** servers killed at atS; their clients reconnect through the load balancer to the survivors */
  kill: number;
  atS: number;
  policy: StormPolicy;
  baseMs: number;
  capMs: number;
  /** new connections per second one server accepts (Infinity: no limit) */
  acceptRatePerServer: number;
  /** connections one server holds at most (Infinity: no limit) */
  connCapPerServer: number;
  horizonS: number;
  /** time step in ms; both engines decide acceptance per step */
  slotMs: number;
  /** aggregate engine: count waiting clients from its own arrival structures (slow; for conservation tests) */
  audit?: boolean;
}

export interface StormCurves {
  /** per second: clients connected at its end, attempts, accepted, rejected, waiting at its end */
  connected: number[]; arriving: number[]; accepted: number[]; rejected: number[]; waiting: number[];
}

export interface StormSummary {
  dropped: number;
  peakArrivalsPerSec: number;
  /** seconds from the kill until 99% of all clients are connected again; null when not within the horizon */
  timeTo99S: number | null;
  totalRejected: number;
  /** per-client reconnect times (events engine only) */
  reconnectS?: { p50: number; p90: number; p99: number; max: number };
}

export interface StormResult { engine: 'aggregate' | 'events'; input: StormInput; curves: StormCurves; summary: StormSummary }

export const STORM_DEFAULTS = Object.freeze({
  kill: 1, atS: 1, policy: 'full-jitter' as StormPolicy, baseMs: 1000, capMs: 30_000,
  acceptRatePerServer: 10_000, connCapPerServer: Infinity, horizonS: 120, slotMs: 10,
});

/** The reconnect delay bound of attempt a: min(cap, base × 2^a) */

/** Clients dropped when `kill` of `servers` equally loaded servers die. */
export const droppedClients = (i: StormInput): number => Math.round((i.clients * i.kill) / i.servers);

/** Accept budget per step and the total connection cap of the survivors. */
export function capacity(i: StormInput): { perSlot: number; cap: number } {
  const survivors = i.servers - i.kill;
  return { perSlot: (i.acceptRatePerServer * survivors * i.slotMs) / 1000, cap: i.connCapPerServer * survivors };
}
