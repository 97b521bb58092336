/** What the op handlers need from their gateway. */
import type { ErrorCode, ServerFrame } from '../protocol/index.js';
import type { Bus } from './bus/bus.js';
import type { Metrics } from './metrics.js';
import type { GatewayOptions } from './options.js';
import type { Outbox } from './outbox.js';
import type { Presence } from './presence/presence.js';
import type { Rooms } from './rooms.js';
import type { Session } from './session.js';
import type { Store } from './store/store.js';

export interface Context {
  readonly opts: Readonly<GatewayOptions>;
  readonly store: Store;
  readonly bus: Bus;
  readonly presence: Presence;
  readonly rooms: Rooms;
  readonly outbox: Outbox;
  readonly metrics: Metrics;
  /** queues one frame to one session */
  send(s: Session, frame: ServerFrame): void;
  /** queues an error frame from the catalogue */
  error(s: Session, code: ErrorCode, detail?: string, ref?: string): void;
}
