/** The Presence interface: which users are online, and on which node. */
export interface Presence {
  online(user: string, node: string): Promise<void>;
  offline(user: string, node: string): Promise<void>;
  where(users: readonly string[]): Promise<Record<string, boolean>>;
  close(): Promise<void>;
  /** starts background work (Redis: the node's liveness beats); `users` lists this node's users, to write back if the fleet took the node for dead */
  start?(beatMs: number, users: () => Iterable<string>): void;
}
