/**
 * One timer per gateway, not one per socket: heartbeats (ping, and terminate peers that sent
 * nothing since the last ping, not even its pong) and the slow-consumer drain-time limit (output queued, nothing moving).
 */
import type { Hub } from './hub.js';
import type { Outbox } from './outbox.js';
import { pendingBytes, writeFrames } from './socket-write.js';

/** an empty ping frame (FIN + opcode 0x9, no payload; RFC 6455 §5.5.2), the same bytes for every socket: no allocation per ping */
const PING = Buffer.from([0x89, 0x00]);

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
    s.sent += writeFrames(s, PING);
    const pending = pendingBytes(s);
    // what the kernel took: more than at the last sweep means output moved (this sweep's ping, queued
    // behind a stuck socket, adds to sent and to pending alike, so it is not mistaken for progress)
    const accepted = s.sent - pending;
    const moved = accepted > s.lastAccepted;
    s.lastAccepted = accepted;
    if (pending === 0) s.stalledSince = 0;
    else if (moved || s.stalledSince === 0) s.stalledSince = now;
    else if (now - s.stalledSince >= slowMs) outbox.dropSlow(s);
  }
}

