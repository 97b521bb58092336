/** Fan-out arithmetic: socket writes per message and per second, fleet-wide and per server. */

/** socket writes per message = members − 1 (the sender is not written to) */
export function writesPerMessage(members: number): number {
  return members - 1;
}

/** writes on the sender's server = members / servers − 1 (members spread evenly), never below 0: with fewer members than servers the sender is alone on its server */
export function writesOnSenderServer(members: number, servers: number): number {
  return Math.max(0, members / servers - 1);
}

/** fleet socket writes per second = msgsPerSec × (members − 1) */
export function fleetWritesPerSec(msgsPerSec: number, members: number): number {
  return msgsPerSec * writesPerMessage(members);
}

/** socket writes per second per server = fleet writes / servers */
export function writesPerSecPerServer(msgsPerSec: number, members: number, servers: number): number {
  return fleetWritesPerSec(msgsPerSec, members) / servers;
}
