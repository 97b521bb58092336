/**
 * The scenario's configuration types and the checks that read them at load (a template's
 * placeholders, the stages' length): the runtime (agents, adapters) imports these; nothing here
 * imports the runtime.
 */

/** One stage of a scenario: its length and the targets reached at its end. */
export interface Stage { duration_s: number; users?: number; rate_per_room?: number }

/** total length of the stages, seconds */
export const stagesLength = (stages: readonly Stage[]): number => stages.reduce((a, s) => a + s.duration_s, 0);

/** One user class: its share of the users and how often each of its users sends. */
export interface UserClass {
  name: string; share: number; msgs_per_min: number;
  /** typing events per minute per user, each into one of the user's rooms (BFG protocol) */
  typing_per_min?: number;
  /** each user answers deliveries with a read receipt for the newest seq, `delay_ms` after the first unread one (BFG protocol) */
  read_receipts?: { delay_ms: number };
}

/** The scenario's `socketio` block (defaults filled by the schema). */
export interface SocketIoOptions {
  path: string; namespace: string;
  events: { join: string; publish: string; receive: string };
  paths: { room: string; stamp: string; body: string };
  auth: Record<string, unknown>;
  recovery: boolean; echo: boolean;
}

/** The scenario's `graphql` block (defaults filled by the schema): graphql-transport-ws. */
export interface GraphqlOptions {
  path: string;
  /** the connection_init payload (the user id is added as payload.user) */
  init: Record<string, unknown>;
  /** the subscription for a room, with $room */
  subscription: string;
  /** the mutation that publishes, with $room, $stamp (a JSON string) and $body */
  publish: string;
  /** dotted paths in a `next` payload's data: the room and the stamp (a JSON string or object) */
  paths: { room: string; stamp: string };
  echo: boolean;
}

/** The scenario's `mqtt` block (defaults filled by the schema): MQTT 3.1.1 (version 4) or 5 over WebSocket. */
export interface MqttOptions { version: 4 | 5; path: string; topic_prefix: string; qos: 0 | 1; keepalive_s: number; echo: boolean; username?: string; password?: string }

/** The scenario's `nats` block (defaults filled by the schema): NATS over WebSocket. */
export interface NatsOptions { path: string; subject_prefix: string; echo: boolean }

/** The scenario's `stomp` block (defaults filled by the schema): STOMP 1.2 over WebSocket. */
export interface StompOptions { path: string; vhost: string; login: string; passcode: string; heart_beat_ms: number; echo: boolean }

/** A frame matcher: the frame has `path` equal to `equals`. */
export interface Matcher { path: string; equals: string | number | boolean }

/** The scenario's `template` block (defaults filled by the schema). */
export interface TemplateOptions {
  path: string; subprotocol?: string; headers: Record<string, string>;
  join?: string; publish: string;
  match: { room?: string; stamp: string };
  /** a frame that confirms a join (its room at match.room) */
  joined?: Matcher;
  /** a frame to answer (an application heartbeat), and the answer */
  ping?: Matcher & { reply: string };
  /** frames sent on open (a handshake), and the frame that ends it */
  open?: string[]; ready?: Matcher;
  /** a client heartbeat: `frame` every `every_ms` */
  heartbeat?: { every_ms: number; frame: string };
  echo: boolean;
}

const NAMES = new Set(['user', 'room', 'id', 'stamp', 'body']);

/** splits a template into literal text and placeholder names; throws on an unknown placeholder */
export function compileTemplate(t: string): { parts: string[]; holes: boolean[] } {
  const parts: string[] = [], holes: boolean[] = [];
  const re = /\{\{\s*([a-z]+)\s*\}\}/g;
  let last = 0;
  for (let m; (m = re.exec(t));) {
    if (!NAMES.has(m[1])) throw new Error(`unknown placeholder {{${m[1]}}} (known: ${[...NAMES].join(', ')})`);
    parts.push(t.slice(last, m.index), m[1]);
    holes.push(false, true);
    last = m.index + m[0].length;
  }
  parts.push(t.slice(last));
  holes.push(false);
  return { parts, holes };
}

