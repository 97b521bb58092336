/** Bus sizing: room subscriptions per server, and bus nodes by subscriptions and by throughput. */

/** A group of rooms that share one size. */
export interface RoomClass { rooms: number; members: number }

/**
 * Expected rooms a server subscribes to (it has at least one of the room's members), members
 * placed uniformly over `servers`: Σ rooms × (1 − (1 − 1/servers)^members).
 */
export function subscriptionsPerServer(classes: readonly RoomClass[], servers: number): number {
  let sum = 0;
  for (const c of classes) sum += c.rooms * (1 - (1 - 1 / servers) ** c.members);
  return sum;
}

export interface BusNodes { nodes: number; binding: 'subscriptions' | 'throughput'; bySubscriptions: number; byThroughput: number }

/** bus nodes = max(ceil(subscriptions / subsPerNode), ceil(msgsPerSec × deliveriesPerMsg / msgsPerNodePerSec)) */
export function busNodes(totalSubscriptions: number, subsPerNode: number, busMsgsPerSec: number, msgsPerNodePerSec: number): BusNodes {
  const bySubscriptions = Math.max(1, Math.ceil(totalSubscriptions / subsPerNode));
  const byThroughput = Math.max(1, Math.ceil(busMsgsPerSec / msgsPerNodePerSec));
  return byThroughput > bySubscriptions
    ? { nodes: byThroughput, binding: 'throughput', bySubscriptions, byThroughput }
    : { nodes: bySubscriptions, binding: 'subscriptions', bySubscriptions, byThroughput };
}

/** bus deliveries per message = expected servers holding a member = servers × (1 − (1 − 1/servers)^members) */
export function busDeliveriesPerMessage(members: number, servers: number): number {
  return servers * (1 - (1 - 1 / servers) ** members);
}
