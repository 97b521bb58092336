/** The Bus interface: topics are rooms (`room`) and user inboxes (`@user`, for DMs). */
import type { MsgFrame } from '../../protocol/index.js';

export interface Envelope {
  topic: string;
  /** `<node>/<connection id>` of the sending connection, which is not sent its own message */
  origin: string;
  msg: MsgFrame;
  /** ms timestamp (Date.now) when the origin gateway received the send */
  t0: number;
  /** epoch of the room log that assigned msg.seq: a new epoch means the log was lost and restarted */
  epoch?: string;
}

export interface Bus {
  publish(env: Envelope): Promise<void>;
  subscribe(topic: string): Promise<void>;
  unsubscribe(topic: string): Promise<void>;
  onMessage(fn: (env: Envelope) => void): void;
  healthy(): boolean;
  close(): Promise<void>;
  /** false for a bus that may deliver a room's messages out of seq order (Kafka): the gateway then reorders */
  readonly seqOrdered?: boolean;
  /** set by the gateway: called after the bus reconnected, with the topics whose messages may be missing */
  onReconnect?: (topics: string[]) => void;
}

/** The inbox topic of a user, where DMs to that user are published. */
export const inboxTopic = (user: string): string => `@${user}`;
