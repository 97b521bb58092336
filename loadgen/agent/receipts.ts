/**
 * Read receipts due: as a chat client does, a user marks a room read a while after its first unread
 * message arrives, once for everything up to then — so a room with many messages costs one receipt per
 * delay, not one per message. One queue per delay (a class's), each in due order, swept by one task.
 */
import type { Vu } from './vu.js';

/** how often the due receipts are sent: their timing is the user's, not a measured figure */
export const RECEIPT_SWEEP_MS = 50;

interface Due { vu: Vu; room: string; at: number }

export class Receipts {
  private readonly queues = new Map<number, { items: Due[]; head: number }>();
  /** (user, room) with a receipt pending: at most one each */
  private readonly pending = new Set<string>();

  /** a receipt for `room` is due at `at` unless one is pending already; `delayMs` names the queue */
  add(vu: Vu, room: string, at: number, delayMs = 0): void {
    const key = `${vu.id}\0${room}`;
    if (this.pending.has(key)) return;
    this.pending.add(key);
    let q = this.queues.get(delayMs);
    if (!q) this.queues.set(delayMs, (q = { items: [], head: 0 }));
    q.items.push({ vu, room, at });
  }

  /** calls `send` for every receipt due by `now`, oldest first per queue */
  due(now: number, send: (vu: Vu, room: string) => void): void {
    for (const q of this.queues.values()) {
      while (q.head < q.items.length && q.items[q.head].at <= now) {
        const d = q.items[q.head++];
        this.pending.delete(`${d.vu.id}\0${d.room}`);
        send(d.vu, d.room);
      }
      // the sent prefix goes once it is half the array: amortised O(1) per receipt
      if (q.head > 1024 && q.head * 2 > q.items.length) {
        q.items.splice(0, q.head);
        q.head = 0;
      }
    }
  }

  /** receipts pending */
  get size(): number {
    return this.pending.size;
  }
}
