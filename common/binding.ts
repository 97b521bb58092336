/**
 * Node's internal libuv bindings (`tcp_wrap`, `stream_wrap`), for the two places that write to a TCP
 * handle without a stream around it: the lean client's connections and the gateway's outbox. Undefined
 * where a Node release lacks them, or with BFG_TCP=net; callers then use net.Socket.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- Node's internal bindings are untyped */
export function nodeBinding(name: 'tcp_wrap' | 'stream_wrap'): any {
  if (process.env.BFG_TCP === 'net') return undefined;
  try {
    return (process as unknown as { binding(n: string): any }).binding(name);
  } catch {
    return undefined;
  }
}
