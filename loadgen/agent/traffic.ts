/**
 * Sends on schedule (open model): each room has its next intended send time, advanced by 1/rate
 * whatever the answers; every message carries sender, per-sender number and intended time in meta,
 * and latency is measured from that intended time, so a stalled gateway cannot hide its stall.
 */
import type { Agent } from './agent.js';
import type { Vu } from './vu.js';
import { dmRoom } from '../../protocol/index.js';

interface RoomSched { name: string; members: Vu[]; next: number; rr: number }

export class Traffic {
  private readonly rooms: RoomSched[] = [];
  private readonly pending = new Map<string, { vu: Vu; room: string; peer?: Vu }>();
  private readonly interval: number;
  private readonly dmInterval: number;
  private nextDm: number;
  private readonly start: number;
  private readonly end: number;
  private readonly body: string;

  constructor(private readonly agent: Agent) {
    const { scenario: s, t0 } = agent.plan;
    const byRoom = new Map<string, Vu[]>();
    for (const vu of agent.vus) (byRoom.get(vu.room) ?? byRoom.set(vu.room, []).get(vu.room)!).push(vu);
    this.start = t0 + (s.send_after_s ?? s.users / s.arrival_rate) * 1000;
    this.end = t0 + s.duration_s * 1000;
    this.interval = s.messages.rate_per_room > 0 ? 1000 / s.messages.rate_per_room : Infinity;
    // rooms start staggered over one interval so sends do not come in lockstep bursts
    let i = 0;
    for (const [name, members] of byRoom) this.rooms.push({ name, members, next: this.start + (this.interval * i++) / byRoom.size, rr: 0 });
    const dmTotal = s.dm.rate_per_user * agent.vus.length;
    this.dmInterval = dmTotal > 0 ? 1000 / dmTotal : Infinity;
    this.nextDm = this.start;
    this.body = 'x'.repeat(s.messages.body_bytes);
  }

  /** sends every message whose intended time has come */
  tick(t: number): void {
    if (this.interval !== Infinity) {
      for (const r of this.rooms) {
        while (r.next <= t && r.next < this.end) {
          const from = this.sender(r);
          if (from) this.sendRoom(from, r.name, r.next);
          r.next += this.interval;
        }
      }
    }
    while (this.nextDm <= t && this.nextDm < this.end) {
      this.sendDm(this.nextDm);
      this.nextDm += this.dmInterval;
    }
  }

  /** the next open, joined member in turn; none when the whole room is away */
  private sender(r: RoomSched): Vu | undefined {
    for (let k = 0; k < r.members.length; k++) {
      const vu = r.members[r.rr++ % r.members.length];
      if (vu.isOpen && vu.joined) return vu;
    }
    return undefined;
  }

  private sendRoom(vu: Vu, room: string, intended: number): void {
    const n = ++vu.sentN;
    const id = `${vu.id}:${n}`;
    this.pending.set(id, { vu, room });
    this.agent.sentRooms.add(room);
    this.agent.stats.sent++;
    this.agent.send(vu, { op: 'send', room, id, body: this.body, meta: { s: vu.id, n, t: intended } });
  }

  private sendDm(intended: number): void {
    const vus = this.agent.vus;
    if (vus.length < 2) return;
    const from = vus[Math.floor(Math.random() * vus.length)];
    let to = vus[Math.floor(Math.random() * (vus.length - 1))];
    if (to === from) to = vus[vus.length - 1];
    if (!from.isOpen) return;
    const n = ++from.sentN;
    const id = `${from.id}:${n}`;
    const room = dmRoom(from.user, to.user);
    this.pending.set(id, { vu: from, room, peer: to });
    this.agent.sentRooms.add(room);
    this.agent.stats.sent++;
    this.agent.send(from, { op: 'dm', to: to.user, id, body: this.body, meta: { s: from.id, n, t: intended } });
  }

  /** an ack: the sender's own seq, and the room head so far */
  acked(vu: Vu, id: string, seq: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.agent.stats.acked++;
    this.agent.ledger.own(vu.track(p.room, seq - 1), seq);
    // the peer of a DM tracks the conversation from its first message, even if that one is lost
    if (p.peer) p.peer.track(p.room, seq - 1);
    const heads = this.agent.heads;
    if ((heads.get(p.room) ?? 0) < seq) heads.set(p.room, seq);
  }

  /** an error answered a send */
  failed(id: string): void {
    if (this.pending.delete(id)) this.agent.stats.send_errors++;
  }
}
