/**
 * One timer per gateway, not one per socket: heartbeats (ping, and terminate peers that sent
 * nothing since the last ping, not even its pong) and the slow-consumer drain-time limit (output queued, nothing moving).
 */
import type { Hub } from './hub.js';
import type { Outbox } from './outbox.js';

/** One sweep over every session. */
export function sweep(hub: Hub, outbox: Outbox, slowMs: number): void {
  const now = Date.now();
  for (const s of hub.sessions()) {
    if (s.closing) continue;
    const sock = s.socket;
    if (!sock) continue;
    // nothing read since the last sweep's ping, not even its pong: the peer is dead
    if (sock.bytesRead === s.lastRead) {
      s.ws.terminate();
      continue;
    }
    s.lastRead = sock.bytesRead;
    s.ws.ping();
    if (sock.writableLength === 0) {
      s.stalledSince = 0;
      continue;
    }
    if (sock.bytesWritten !== s.lastWritten) {
      s.lastWritten = sock.bytesWritten;
      s.stalledSince = now;
    } else if (s.stalledSince === 0) s.stalledSince = now;
    else if (now - s.stalledSince >= slowMs) outbox.dropSlow(s);
  }
}
