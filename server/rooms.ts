/**
 * Fan-out. The node subscribes to a topic once, when its first local member arrives, and unsubscribes
 * when the last leaves — never once per user; each message from the broker is framed once per format
 * and written to every local recipient (the Hub knows them) but its sender. Live messages of a room
 * whose history is being read for a session (its join, or a heal after the broker lost messages) wait
 * in that session's one hold buffer (`Session.holds`).
 */
import type { Broker, Envelope, Signal } from './broker/broker.js';
import { inboxTopic, originNode } from './broker/broker.js';
import type { Hub } from './hub.js';
import type { Metrics } from './metrics.js';
import { SharedFrame, type Outbox } from './outbox.js';
import type { MsgFrame } from '../protocol/index.js';
import type { Session } from './session.js';

export class Rooms {
  /**
   * per room: last seq fanned out (a re-delivered message, a bus replay, is dropped) and the epoch of
   * the log it came from. A message from another epoch means the log was lost and started again at
   * seq 1: the room's state restarts with it, so new messages keep flowing live.
   */
  private readonly state = new Map<string, { last: number; epoch?: string }>();
  /** subscribes in flight, by topic (the first local member's) */
  private readonly subscribing = new Map<string, Promise<void>>();
  /** this gateway in message origins (node id and incarnation) */
  private readonly me: string;
  /** where ephemeral events from the broker go (the gateway sets it: ephemeral.ts) */
  onSignal: (topic: string, s: Signal) => void = () => {};

  constructor(node: string, private readonly hub: Hub, private readonly broker: Broker, private readonly outbox: Outbox,
    private readonly metrics: Metrics, private readonly maxRecover: number) {
    this.me = originNode(node);
    // every message the broker brings up for this node comes here (one listener per broker)
    broker.on({ publication: (env) => this.deliver(env), reconnected: (topics) => void this.heal(topics), signal: (topic, sig) => this.onSignal(topic, sig) });
  }

  /** the origin of a message sent by local session `id`: its own delivery skips that session */
  originOf(id: number): string {
    return `${this.me}/${id}`;
  }

  /** registers a new session (and subscribes its user's inbox for the user's first); true for the user's first on this node */
  connect(s: Session): boolean {
    const first = this.hub.add(s);
    // a failed inbox subscribe (bus down) is healed by the broker's re-subscribe when it returns
    if (first) void this.broker.subscribe(inboxTopic(s.user)).catch(() => {});
    return first;
  }

  /**
   * forgets a closed session at once (its rooms are left by the caller); `last` when it was its user's
   * last on this node, whose inbox is then unsubscribed (`done`, which never rejects: a bus that is down
   * forgets the subscription itself); removed false when it was not here
   */
  disconnect(s: Session): { removed: boolean; last: boolean; done: Promise<void> } {
    const { removed, last } = this.hub.remove(s);
    return { removed, last, done: last ? this.broker.unsubscribe(inboxTopic(s.user)).catch(() => {}) : Promise.resolve() };
  }

  /** adds a local member; subscribes the node to the room when it is the first (returns true then) */
  async add(room: string, s: Session): Promise<boolean> {
    if (this.hub.join(room, s)) {
      const sub = this.broker.subscribe(room);
      this.subscribing.set(room, sub);
      try {
        await sub;
      } finally {
        if (this.subscribing.get(room) === sub) this.subscribing.delete(room);
      }
      return true;
    }
    // a member that arrives while the first one's subscribe is in flight waits for it too: the head it
    // reads next must be taken with the subscription live, or what is published in between reaches it
    // neither in its replay nor live
    const sub = this.subscribing.get(room);
    if (sub) await sub;
    return false;
  }

  /** removes a local member; unsubscribes the node when it was the last (returns true then) */
  async remove(room: string, s: Session): Promise<boolean> {
    if (!this.hub.leave(room, s)) return false;
    this.state.delete(room);
    await this.broker.unsubscribe(room);
    return true;
  }

  /** a newly subscribed room starts at this head of this epoch: older seqs reach its members through recovery */
  startAt(room: string, head: number, epoch: string): void {
    if (this.hub.members(room) === 0) return; // every member left while the head was read: keep nothing
    const st = this.state.get(room);
    if (!st || st.epoch !== epoch) this.state.set(room, { last: head, epoch });
    else if (st.last < head) st.last = head;
  }

  /** last seq fanned out to a room's local members */
  last(room: string): number {
    return this.state.get(room)?.last ?? 0;
  }

  /** rooms with local members, per-room state kept, and users (for tests of bounded memory) */
  get counts(): { rooms: number; state: number; users: number } {
    return { ...this.hub.counts, state: this.state.size };
  }

  /** writes one broker message to every local recipient except its sender; never throws (one bad message is logged and dropped) */
  deliver(env: Envelope): void {
    try {
      this.fanOut(env);
    } catch (err) {
      console.error(`bfg serve: could not deliver ${env.topic} seq ${env.msg?.seq}: ${(err as Error).message}`);
    }
  }

  /** fan-out of one message, encoding it once per format */
  private fanOut(env: Envelope): void {
    const set = this.hub.recipients(env.topic);
    if (!set) return;
    const msg = env.msg;
    if (env.topic === msg.room && !this.advance(env.topic, msg.seq, env.epoch)) return;
    const slash = env.origin.indexOf('/');
    const originId = slash === this.me.length && env.origin.startsWith(this.me) ? Number(env.origin.slice(slash + 1)) : -1;
    const shared = new SharedFrame(msg);
    let n = 0;
    // a message read back from the log (a reorder gap filled) carries no origin: its sender is found by its acked seqs
    const unknown = env.origin === '' && env.topic === msg.room;
    for (const s of set) {
      if (s.id === originId || (unknown && s.sentHere(msg.room, msg.seq))) continue;
      const held = s.holds?.get(msg.room);
      if (held) {
        held.push(msg);
        continue;
      }
      this.outbox.push(s, shared.get(s.format));
      n++;
    }
    this.metrics.fanout.inc(n);
    this.metrics.latency.observe((Date.now() - env.t0) / 1000);
  }

  /** moves a room's last seq to `seq`; false for a seq already fanned out (a replay) */
  private advance(room: string, seq: number, epoch: string | undefined): boolean {
    const st = this.state.get(room);
    if (!st) {
      this.state.set(room, { last: seq, epoch });
      return true;
    }
    // the log was lost and restarted: old seqs mean nothing any more
    if (epoch !== undefined && st.epoch !== epoch) Object.assign(st, { last: 0, epoch });
    if (seq <= st.last) return false;
    st.last = seq;
    return true;
  }

  /**
   * After the broker lost messages (`reconnected`): each room's members hold live messages while the
   * gap is read from the log, then get the gap and what was held, in seq order, each seq once.
   */
  async heal(topics: readonly string[]): Promise<void> {
    for (const room of topics) {
      if (room.startsWith('@')) continue;
      const members = this.hub.recipients(room);
      if (!members) continue;
      const holds = new Map<Session, MsgFrame[]>();
      for (const s of members) if (!s.holds?.has(room)) holds.set(s, s.hold(room));
      const from = this.last(room);
      let gap: MsgFrame[] = [];
      try {
        gap = await this.broker.history(room, from, this.maxRecover);
      } catch { /* the log is down too: members recover through join after= */ }
      const st = this.state.get(room);
      if (st && gap.length && gap[gap.length - 1].seq > st.last) st.last = gap[gap.length - 1].seq;
      const frames = new Map(gap.map((m) => [m.seq, new SharedFrame(m)]));
      for (const [s, held] of holds) {
        s.unhold(room, held);
        // the gap and the held live messages merged by seq, each seq once
        let sent = from;
        for (const m of [...gap, ...held].sort((x, y) => x.seq - y.seq)) {
          if (m.seq <= sent) continue;
          sent = m.seq;
          // the gap comes from the store, where messages carry no origin: the sender's own are skipped here
          if (s.sentHere(room, m.seq)) continue;
          this.outbox.push(s, (frames.get(m.seq) ?? new SharedFrame(m)).get(s.format));
        }
      }
    }
  }
}
