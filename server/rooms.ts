/**
 * Local membership and fan-out. The gateway subscribes to a topic once, when its first local
 * member arrives, and unsubscribes when the last leaves — never once per user.
 */
import { inboxTopic, type Bus, type Envelope } from './bus/bus.js';
import type { Metrics } from './metrics.js';
import type { Outbox } from './outbox.js';
import { SharedFrame } from './frame.js';
import { originNode } from './envelope.js';
import type { MsgFrame } from '../protocol/index.js';
import type { Session } from './session.js';

export class Rooms {
  private readonly members = new Map<string, Set<Session>>();
  /** user -> that user's local sessions (one session, the common case, is kept without a Set) */
  private readonly users = new Map<string, Session | Session[]>();
  /**
   * per room topic: last seq fanned out (a re-delivered message, a bus replay, is dropped) and the
   * epoch of the log it came from. A message from another epoch means the log was lost and started
   * again at seq 1: the room's state restarts with it, so new messages keep flowing live.
   */
  private readonly state = new Map<string, { last: number; epoch?: string }>();

  /** this gateway in message origins (node id and incarnation) */
  private readonly me: string;
  constructor(node: string, private readonly bus: Bus, private readonly outbox: Outbox, private readonly metrics: Metrics) {
    this.me = originNode(node);
    bus.onMessage((env) => this.deliver(env));
  }

  /**
   * Reorder window (a bus without seq order, Kafka): a room message past a gap waits up to reorderMs
   * for the missing seqs; then the gap is read from the store (`fill`). 0 turns it off.
   */
  reorderMs = 0;
  fill: (topic: string, afterSeq: number) => Promise<MsgFrame[]> = async () => [];
  private readonly early = new Map<string, { envs: Map<number, Envelope>; timer: NodeJS.Timeout }>();

  /** subscribes in flight, by topic (the first local member's) */
  private readonly subscribing = new Map<string, Promise<void>>();

  /** room topics whose live messages are held while a gap after a bus reconnect is filled */
  private readonly holding = new Map<string, Envelope[]>();

  /** the origin of a message sent by local session `id`: its own delivery skips that session */
  originOf(id: number): string {
    return `${this.me}/${id}`;
  }

  /** adds a local member; subscribes the node to the topic when it is the first (returns true then) */
  async add(topic: string, s: Session): Promise<boolean> {
    let set = this.members.get(topic);
    if (!set) {
      set = new Set();
      this.members.set(topic, set);
      set.add(s);
      const sub = this.bus.subscribe(topic);
      this.subscribing.set(topic, sub);
      try {
        await sub;
      } finally {
        if (this.subscribing.get(topic) === sub) this.subscribing.delete(topic);
      }
      return true;
    }
    set.add(s);
    // a member that arrives while the first one's subscribe is in flight waits for it too: the head it
    // reads next must be taken with the subscription live, or what is published in between reaches it
    // neither in its replay nor live
    const sub = this.subscribing.get(topic);
    if (sub) await sub;
    return false;
  }

  /** a newly subscribed room starts at this head of this epoch: older seqs reach its members through recovery */
  startAt(topic: string, head: number, epoch: string): void {
    if (!this.members.has(topic)) return; // every member left while the head was read: keep nothing
    const st = this.state.get(topic);
    if (!st || st.epoch !== epoch) this.state.set(topic, { last: head, epoch });
    else if (st.last < head) st.last = head;
  }

  /** last seq fanned out to a room's local members */
  last(topic: string): number {
    return this.state.get(topic)?.last ?? 0;
  }

  /** holds a room's live messages until release() */
  hold(topic: string): void {
    if (!this.holding.has(topic)) this.holding.set(topic, []);
  }

  /** delivers the backfilled messages of a held room, then what was held (duplicates drop by seq) */
  release(topic: string, backfill: readonly MsgFrame[]): void {
    const held = this.holding.get(topic) ?? [];
    this.holding.delete(topic);
    for (const msg of backfill) this.deliver({ topic, origin: '', t0: msg.ts, msg });
    for (const env of held) this.deliver(env);
  }

  /** removes a local member; unsubscribes the node when it was the last (returns true then) */
  async remove(topic: string, s: Session): Promise<boolean> {
    const set = this.members.get(topic);
    if (!set || !set.delete(s)) return false;
    if (set.size === 0) {
      this.members.delete(topic);
      this.state.delete(topic);
      this.holding.delete(topic);
      this.dropEarly(topic);
      await this.bus.unsubscribe(topic);
      return true;
    }
    return false;
  }

  /** rooms with local members, and per-room state kept (for tests of bounded memory) */
  get counts(): { rooms: number; state: number; users: number } {
    return { rooms: this.members.size, state: this.state.size, users: this.users.size };
  }

  /** number of local members of a topic */
  size(topic: string): number {
    return this.members.get(topic)?.size ?? 0;
  }

  /** registers a session under its user (its DM inbox); subscribes the inbox for the user's first */
  async addUser(s: Session): Promise<void> {
    const v = this.users.get(s.user);
    if (v === undefined) {
      this.users.set(s.user, s);
      await this.bus.subscribe(inboxTopic(s.user));
    } else if (Array.isArray(v)) v.push(s);
    else this.users.set(s.user, [v, s]);
  }

  /** removes a session from its user's inbox; unsubscribes with the user's last session */
  async removeUser(s: Session): Promise<void> {
    const v = this.users.get(s.user);
    if (v === s) {
      this.users.delete(s.user);
      await this.bus.unsubscribe(inboxTopic(s.user));
    } else if (Array.isArray(v)) {
      const rest = v.filter((x) => x !== s);
      this.users.set(s.user, rest.length === 1 ? rest[0] : rest);
    }
  }

  /** true when the user has a session on this node */
  online(user: string): boolean {
    return this.users.has(user);
  }

  /** writes one bus message to every local member except its sender; never throws (one bad message is logged and dropped) */
  deliver(env: Envelope): void {
    try {
      this.fanOut(env);
    } catch (err) {
      console.error(`bfg serve: could not deliver ${env.topic} seq ${env.msg?.seq}: ${(err as Error).message}`);
    }
  }

  /** fan-out of one message, encoding it once per format */
  private fanOut(env: Envelope): void {
    const held = this.holding.get(env.topic);
    if (held) return void held.push(env);
    let set: Iterable<Session> | undefined;
    if (env.topic.charCodeAt(0) === 64 /* @ */) {
      const v = this.users.get(env.topic.slice(1));
      set = v === undefined ? undefined : Array.isArray(v) ? v : [v];
    } else set = this.members.get(env.topic);
    if (!set) return;
    const msg = env.msg;
    if (env.topic === msg.room) {
      let st = this.state.get(env.topic);
      if (!st) this.state.set(env.topic, (st = { last: 0, epoch: env.epoch }));
      else if (env.epoch !== undefined && st.epoch !== env.epoch) {
        // the log was lost and restarted: old seqs mean nothing any more
        this.dropEarly(env.topic);
        st.last = 0;
        st.epoch = env.epoch;
      }
      if (msg.seq <= st.last) return;
      if (this.reorderMs > 0 && msg.seq > st.last + 1) return this.wait(env);
      st.last = msg.seq;
    }
    const slash = env.origin.indexOf('/');
    const originId = env.origin.slice(0, slash) === this.me ? Number(env.origin.slice(slash + 1)) : -1;
    const shared = new SharedFrame(msg);
    let n = 0;
    for (const s of set) {
      if (s.id === originId) continue;
      const held = s.pending?.get(msg.room);
      if (held) {
        held.push(msg);
        continue;
      }
      this.outbox.push(s, shared.get(s.format));
      n++;
    }
    this.metrics.fanout.inc(n);
    this.metrics.latency.observe((Date.now() - env.t0) / 1000);
    if (env.topic === msg.room) this.next(env.topic);
  }

  /** forgets the messages a room held for its reorder window */
  private dropEarly(topic: string): void {
    const e = this.early.get(topic);
    if (e) clearTimeout(e.timer);
    this.early.delete(topic);
  }

  /** holds a message that came before its predecessors */
  private wait(env: Envelope): void {
    let e = this.early.get(env.topic);
    if (!e) {
      e = { envs: new Map(), timer: setTimeout(() => void this.gapTimeout(env.topic), this.reorderMs) };
      this.early.set(env.topic, e);
    }
    e.envs.set(env.msg.seq, env);
  }

  /** delivers the held message that is next in seq, if any */
  private next(topic: string): void {
    const e = this.early.get(topic);
    if (!e) return;
    const nxt = e.envs.get(this.last(topic) + 1);
    if (nxt) {
      e.envs.delete(nxt.msg.seq);
      if (e.envs.size === 0) {
        clearTimeout(e.timer);
        this.early.delete(topic);
      }
      this.deliver(nxt);
    }
  }

  /** the gap outlived the window: read it from the store, then deliver what was held */
  private async gapTimeout(topic: string): Promise<void> {
    const e = this.early.get(topic);
    if (!e) return;
    this.early.delete(topic);
    let msgs: MsgFrame[] = [];
    try {
      msgs = await this.fill(topic, this.last(topic));
    } catch { /* store down: members recover through join after= */ }
    const held = [...e.envs.values()].sort((a, b) => a.msg.seq - b.msg.seq);
    const saved = this.reorderMs;
    this.reorderMs = 0; // what the store returned is in order; what it lacked is given up on
    try {
      for (const msg of msgs) this.deliver({ topic, origin: '', t0: msg.ts, msg });
      for (const env of held) this.deliver(env);
    } finally {
      this.reorderMs = saved;
    }
  }
}
