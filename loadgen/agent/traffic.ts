/**
 * Sends on schedule (open model): each room is a scheduler task with its next intended send time,
 * advanced by the arrival process whatever the answers. Every message carries sender, per-sender
 * number, the room's send number, intended time `i` and actual write time `t` (epoch ms, µs
 * resolution) in its stamp, inside what the protocol relays; latency is
 * measured from `t`, and from `i` apart, and the send lag t − i is the generator's own error bar.
 */
import { dmRoom } from '../../protocol/index.js';
import { nowMs } from '../measure/clock.js';
import type { Ledger } from '../measure/ledger.js';
import type { StampLedger } from '../measure/stamp-ledger.js';
import type { Adapter, Stamp } from '../protocols/index.js';
import type { Measurements } from '../measure/measurements.js';
import type { AgentPlan } from './plan.js';
import type { AgentStats } from './result.js';
import { gapMs, RANK, type Task } from './scheduler.js';
import { rateAt, segments } from './stages.js';
import type { Vu } from './vu.js';
import { RECEIPT_SWEEP_MS, Receipts } from './receipts.js';

/** What traffic needs from its agent, and nothing more. */
export interface TrafficPorts {
  readonly plan: AgentPlan;
  readonly vus: readonly Vu[];
  readonly stats: AgentStats;
  readonly ledger: Ledger;
  readonly m: Measurements;
  /** rooms this agent sent to: only these (and rooms with gaps) need a backfill read */
  readonly sentRooms: Set<string>;
  /** highest seq acked per room */
  readonly heads: Map<string, number>;
  /** each group room's members on this agent */
  readonly rooms: ReadonlyMap<string, readonly Vu[]>;
  /** the gateway's protocol */
  readonly proto: Adapter;
  /** the stamp ledger, for protocols without server seqs */
  readonly stamps: StampLedger | null;
  /** sends meant before this instant are warm-up: their lag is left out, as their latency is */
  readonly measureFrom?: number;
}

/** A scheduler task that acts at `first`, then every `gap()` ms, until `end`. */
export function periodic(first: number, end: number, gap: () => number, act: (intended: number) => void): Task {
  return {
    next: first,
    rank: RANK.send,
    fire() {
      if (this.next >= end) return void (this.next = Infinity);
      act(this.next);
      this.next += gap();
    },
  };
}

/** one of a ready user's rooms at random, or undefined (not open, not joined, or that room's join not answered yet) */
function anyRoom(vu: Vu): string | undefined {
  if (!vu.isOpen || !vu.joined) return undefined;
  const n = vu.extra ? Math.floor(Math.random() * (vu.extra.length + 1)) : 0;
  const room = n === 0 ? vu.room : vu.extra![n - 1];
  return room === vu.room || vu.has(room) ? room : undefined;
}

export class Traffic {
  private readonly unacked = new Map<string, { vu: Vu; room: string; peer?: Vu }>();
  /** read receipts due, in due order (one delay per class, so appended in order per class; the sweep takes what is due) */
  private readonly receipts = new Receipts();
  private readonly body: string;

  constructor(private readonly p: TrafficPorts) {
    this.body = 'x'.repeat(p.plan.scenario.messages.body_bytes);
  }

  /** the scheduler tasks: one per room, one for DMs; none past the end of traffic */
  tasks(): Task[] {
    const { scenario: s, t0 } = this.p.plan;
    const start = t0 + (s.send_after_s ?? s.users / s.arrival_rate) * 1000;
    const end = t0 + s.duration_s * 1000;
    const out: Task[] = [];
    const byRoom = this.p.rooms;
    // with stages the rate varies: candidate sends come at the highest rate and a share of them, the
    // rate now over the highest, is sent (thinning: exact for Poisson, an accumulator for uniform)
    const segs = s.stages ? segments(s.stages, s.messages.rate_per_room) : null;
    const rate = segs ? Math.max(...segs.map((g) => Math.max(g.rate0, g.rate1))) : s.messages.rate_per_room;
    const keep = (t: number, acc: { v: number }): boolean => {
      if (!segs) return true;
      const share = rateAt(segs, (t - t0) / 1000) / rate;
      if (s.process === 'poisson') return Math.random() < share;
      acc.v += share;
      if (acc.v < 1 - 1e-9) return false;
      acc.v -= 1;
      return true;
    };
    if (s.classes) out.push(...this.classTasks(start, end));
    else if (rate > 0) {
      // rooms start staggered over one interval so sends do not come in lockstep bursts
      let i = 0;
      for (const [name, members] of byRoom) {
        let rr = 0, k = 0;
        const acc = { v: 0 };
        out.push(periodic(start + (gapMs('uniform', rate) * i++) / byRoom.size, end, () => gapMs(s.process, rate), (intended) => {
          for (let j = 0, go = keep(intended, acc); go && j < members.length; j++) {
            const vu = members[rr++ % members.length];
            if (vu.isOpen && vu.joined && (name === vu.room || vu.has(name))) return this.sendRoom(vu, name, ++k, intended);
          }
        }));
      }
    }
    if (s.classes?.some((c) => c.read_receipts)) out.push(periodic(start, end, () => RECEIPT_SWEEP_MS, () => this.sendReceipts()));
    const dmRate = s.dm.rate_per_user * this.p.vus.length;
    if (dmRate > 0 && this.p.vus.length >= 2) {
      out.push(periodic(start, end, () => gapMs(s.process, dmRate), (intended) => this.sendDm(intended)));
    }
    return out;
  }

  /**
   * User classes: one task per class sending at the class's rate times its users here, each send by
   * the next of its users in turn (Poisson: a random one) into one of that user's rooms.
   */
  private classTasks(start: number, end: number): Task[] {
    const s = this.p.plan.scenario;
    const counters = new Map<string, number>();
    const out: Task[] = [];
    s.classes!.forEach((c, i) => {
      const members = this.p.vus.filter((v) => v.cls === i);
      const rate = (c.msgs_per_min / 60) * members.length;
      if (!(rate > 0)) return;
      let rr = 0;
      const send = (intended: number) => {
        for (let k = 0; k < members.length; k++) {
          const vu = s.process === 'poisson' ? members[Math.floor(Math.random() * members.length)] : members[rr++ % members.length];
          const room = anyRoom(vu);
          if (room === undefined) continue;
          const kk = (counters.get(room) ?? 0) + 1;
          counters.set(room, kk);
          return this.sendRoom(vu, room, kk, intended);
        }
      };
      out.push(periodic(start + gapMs('uniform', rate) * Math.random(), end, () => gapMs(s.process, rate), send));
    });
    s.classes!.forEach((c, i) => {
      const members = this.p.vus.filter((v) => v.cls === i);
      const rate = ((c.typing_per_min ?? 0) / 60) * members.length;
      if (!(rate > 0) || !this.p.proto.typing) return;
      let rr = 0;
      out.push(periodic(start + gapMs('uniform', rate) * Math.random(), end, () => gapMs(s.process, rate), () => {
        const vu = s.process === 'poisson' ? members[Math.floor(Math.random() * members.length)] : members[rr++ % members.length];
        const room = anyRoom(vu);
        if (room === undefined) return;
        (this.p.stats.ephemeral_sent ??= { typing: 0, read: 0 }).typing++;
        this.p.proto.typing!(vu, room);
      }));
    });
    return out;
  }

  /** a fresh delivery to a user whose class sends receipts: a receipt for the room is due `delayMs` after the first unread one */
  unread(vu: Vu, room: string, delayMs: number, at: number): void {
    this.receipts.add(vu, room, at + delayMs, delayMs);
  }

  /** sends the receipts that are due: each for the newest seq its user has in the room */
  private sendReceipts(): void {
    const read = this.p.proto.read;
    if (!read) return;
    this.receipts.due(nowMs(), (vu, room) => {
      if (!vu.isOpen || !vu.has(room)) return;
      (this.p.stats.ephemeral_sent ??= { typing: 0, read: 0 }).read++;
      read.call(this.p.proto, vu, room, vu.track(room, 0).last);
    });
  }

  /** the stamp, taken just before the write; logged for the stamp ledger */
  private stamp(vu: Vu, n: number, k: number, intended: number): Stamp {
    const t = nowMs();
    // the error bar covers the same sends as the latency it is held against
    if (intended >= (this.p.measureFrom ?? 0)) this.p.m.sendLag(t - intended);
    this.p.stamps?.sent(vu, n, t, vu.dials);
    return { s: vu.id, n, k, i: intended, t };
  }

  private sendRoom(vu: Vu, room: string, k: number, intended: number): void {
    const n = ++vu.sentN;
    const id = `${vu.id}:${n}`;
    this.unacked.set(id, { vu, room });
    this.p.sentRooms.add(room);
    this.p.stats.sent++;
    this.p.proto.publish(vu, room, id, this.stamp(vu, n, k, intended), this.body);
  }

  private sendDm(intended: number): void {
    const vus = this.p.vus;
    const from = vus[Math.floor(Math.random() * vus.length)];
    let to = vus[Math.floor(Math.random() * (vus.length - 1))];
    if (to === from) to = vus[vus.length - 1];
    if (!from.isOpen) return;
    const n = ++from.sentN;
    const id = `${from.id}:${n}`;
    const room = dmRoom(from.user, to.user);
    this.unacked.set(id, { vu: from, room, peer: to });
    this.p.sentRooms.add(room);
    this.p.stats.sent++;
    this.p.proto.dm!(from, to.user, id, this.stamp(from, n, n, intended), this.body);
  }

  /** an ack: the sender's own seq, and the room head so far */
  acked(vu: Vu, id: string, seq?: number): void {
    const p = this.unacked.get(id);
    if (!p) return;
    this.unacked.delete(id);
    this.p.stats.acked++;
    const n = Number(id.slice(id.indexOf(':') + 1));
    if (n > vu.ackedN) vu.ackedN = n;
    if (seq === undefined) return;
    this.p.ledger.own(vu.track(p.room, seq - 1), seq);
    // the peer of a DM tracks the conversation from its first message, even if that one is lost
    if (p.peer) p.peer.track(p.room, seq - 1);
    const heads = this.p.heads;
    if ((heads.get(p.room) ?? 0) < seq) heads.set(p.room, seq);
  }

  /** an error answered a send */
  failed(id: string): void {
    if (this.unacked.delete(id)) this.p.stats.send_errors++;
  }
}
