/** Connection-server sizing: how many sockets one server holds, and how many servers a target needs. */
import { KIB_PER_GIB } from './units.js';

/** connections = floor(usableRamGiB × 1024² / memPerConnKiB) */
export function connectionsByMemory(usableRamGiB: number, memPerConnKiB: number): number {
  return Math.floor((usableRamGiB * KIB_PER_GIB) / memPerConnKiB);
}

export interface ConnectionsPerServer {
  connections: number;
  binding: 'memory' | 'fds';
  byMemory: number;
  byFds: number;
}

/** connections per server = min(memory-bound, fd-bound), naming the binding constraint */
export function connectionsPerServer(usableRamGiB: number, memPerConnKiB: number, fdLimit: number): ConnectionsPerServer {
  const byMemory = connectionsByMemory(usableRamGiB, memPerConnKiB);
  const byFds = Math.floor(fdLimit);
  return byFds < byMemory
    ? { connections: byFds, binding: 'fds', byMemory, byFds }
    : { connections: byMemory, binding: 'memory', byMemory, byFds };
}

/** servers = ceil(targetConnections / connectionsPerServer) × redundancy */
export function serversNeeded(targetConnections: number, connPerServer: number, redundancy = 1): number {
  return Math.ceil(targetConnections / connPerServer) * redundancy;
}

/** kernel socket buffer memory, GiB = connections × (rmem + wmem bytes) / 1024³ */
export function kernelBufferGiB(connections: number, rmemBytes: number, wmemBytes: number): number {
  return (connections * (rmemBytes + wmemBytes)) / 1024 ** 3;
}
