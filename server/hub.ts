/**
 * The Hub: this node's sessions by id, by user and by room. Everything that looks sessions up reads
 * it — fan-out, the sweeper, HTTP (/health, the admin close), drain and embedded presence — so there
 * is one registry and no one reaches into the gateway for it.
 */
import type { Session } from './session.js';

export class Hub {
  private readonly byId = new Map<number, Session>();
  /** user -> that user's local sessions (one session, the common case, is kept without an array) */
  private readonly byUser = new Map<string, Session | Session[]>();
  private readonly byRoom = new Map<string, Set<Session>>();

  /** open sessions on this node */
  get size(): number {
    return this.byId.size;
  }

  /** every open session */
  sessions(): IterableIterator<Session> {
    return this.byId.values();
  }

  /** registers a session; true when it is its user's first on this node */
  add(s: Session): boolean {
    this.byId.set(s.id, s);
    const v = this.byUser.get(s.user);
    if (v === undefined) this.byUser.set(s.user, s);
    else if (Array.isArray(v)) v.push(s);
    else this.byUser.set(s.user, [v, s]);
    return v === undefined;
  }

  /** removes a session (its rooms are left by the caller); false when it was not here; `last` when its user has no other */
  remove(s: Session): { removed: boolean; last: boolean } {
    if (!this.byId.delete(s.id)) return { removed: false, last: false };
    const v = this.byUser.get(s.user);
    if (v === s) this.byUser.delete(s.user);
    else if (Array.isArray(v)) {
      const rest = v.filter((x) => x !== s);
      this.byUser.set(s.user, rest.length === 1 ? rest[0] : rest);
    }
    return { removed: true, last: !this.byUser.has(s.user) };
  }

  /** true when the user has a session on this node */
  online(user: string): boolean {
    return this.byUser.has(user);
  }

  /** the users with a session on this node */
  users(): IterableIterator<string> {
    return this.byUser.keys();
  }

  /** the sessions of one user */
  ofUser(user: string): readonly Session[] {
    const v = this.byUser.get(user);
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  }

  /** adds a room member; true when it is the room's first on this node */
  join(room: string, s: Session): boolean {
    const set = this.byRoom.get(room);
    if (set) {
      set.add(s);
      return false;
    }
    this.byRoom.set(room, new Set([s]));
    return true;
  }

  /** removes a room member; true when it was the room's last on this node */
  leave(room: string, s: Session): boolean {
    const set = this.byRoom.get(room);
    if (!set || !set.delete(s)) return false;
    if (set.size > 0) return false;
    this.byRoom.delete(room);
    return true;
  }

  /** the local recipients of a topic: a room's members, or for `@user` (an inbox) that user's sessions */
  recipients(topic: string): Iterable<Session> | undefined {
    if (topic.charCodeAt(0) !== 64 /* @ */) return this.byRoom.get(topic);
    const v = this.byUser.get(topic.slice(1));
    return v === undefined ? undefined : Array.isArray(v) ? v : [v];
  }

  /** local members of a room */
  members(room: string): number {
    return this.byRoom.get(room)?.size ?? 0;
  }

  /** rooms and users with local sessions (for tests of bounded memory) */
  get counts(): { rooms: number; users: number } {
    return { rooms: this.byRoom.size, users: this.byUser.size };
  }
}
