/** What the op handlers, join and HTTP need from their gateway. */
import type { ErrorCode, ServerFrame } from '../protocol/index.js';
import type { Broker } from './broker/broker.js';
import type { Hub } from './hub.js';
import type { Metrics } from './metrics.js';
import type { GatewayOptions } from './options.js';
import type { Outbox } from './outbox.js';
import type { Presence } from './presence/presence.js';
import type { Rooms } from './rooms.js';
import type { Session } from './session.js';
import type { ArchiveTier } from './archive/tier.js';
import type { Shedder } from './shedder.js';

export interface Context {
  readonly opts: Readonly<GatewayOptions>;
  readonly broker: Broker;
  readonly presence: Presence;
  readonly hub: Hub;
  readonly rooms: Rooms;
  readonly outbox: Outbox;
  readonly metrics: Metrics;
  /** graceful degradation: what is shed now */
  readonly shedder: Shedder;
  /** the cold tier, with --archive */
  readonly archive?: ArchiveTier;
  /** queues one frame to one session */
  send(s: Session, frame: ServerFrame): void;
  /** queues an error frame from the catalogue */
  error(s: Session, code: ErrorCode, detail?: string, ref?: string): void;
}
