/**
 * Heartbeat CPU: what an idle fleet costs a gateway. Every connection gets a ping and answers a
 * pong once per interval, whether or not a message ever flows; bench:idle measured this as the floor
 * of an idle fleet's CPU.
 */
const US_PER_S = 1e6;

/** round trips per second = connections / heartbeat_s */
export function heartbeatsPerSec(connections: number, heartbeatS: number): number {
  return connections / heartbeatS;
}

/** cores = connections / heartbeat_s × heartbeat_us (per round trip) / 10⁶ */
export function heartbeatCores(connections: number, heartbeatS: number, heartbeatUs: number): number {
  return (heartbeatsPerSec(connections, heartbeatS) * heartbeatUs) / US_PER_S;
}

/** µs per round trip = CPU seconds × 10⁶ / round trips, where round trips = Σ connections over the idle seconds / heartbeat_s */
export function heartbeatUsMeasured(cpuSeconds: number, connectionSeconds: number, heartbeatS: number): number {
  return (cpuSeconds * US_PER_S) / (connectionSeconds / heartbeatS);
}
