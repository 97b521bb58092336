/**
 * Gateway options, declared once: each with its kind, default, range and help. The TypeScript type, the
 * defaults, the validation (every problem at once) and the `bfg serve` flags all derive from this table.
 */
import { BfgError, MIN_SECRET_BYTES } from '../protocol/index.js';
import { connectionCapacity, isLoopbackHost } from './limits.js';

type Kind = 'int' | 'number' | 'string' | 'bool' | 'list' | 'choice';
interface Spec { kind: Kind; d: unknown; min?: number; max?: number; positive?: true; choices?: readonly string[]; help: string }

export const OPTIONS = {
  port: { kind: 'int', d: 8080, min: 0, max: 65535, help: 'TCP port for WebSocket and HTTP (0 picks a free one)' },
  host: { kind: 'string', d: '127.0.0.1', help: 'address to listen on' },
  metricsPort: { kind: 'int', d: undefined, min: 0, max: 65535, help: 'serve /metrics and /health on their own listener at this port (0 picks a free one), and not on --port: the choice for a public gateway' },
  metricsHost: { kind: 'string', d: '127.0.0.1', help: 'address of the --metrics-port listener (keep it on an internal network)' },
  node: { kind: 'string', d: 'n1', help: 'this node\'s id (in hello frames, metrics and bus origins)' },
  auth: { kind: 'choice', d: 'jwt', choices: ['jwt', 'none'] as const, help: 'jwt: HS256 token in ?token=; none: user id from ?user= (local demos only)' },
  jwtSecret: { kind: 'string', d: undefined, help: 'HS256 secret for --auth jwt, at least 32 bytes; prefer env BFG_JWT_SECRET (a flag is visible to every user in ps)' },
  bus: { kind: 'choice', d: 'memory', choices: ['memory', 'redis', 'kafka', 'rabbitmq'] as const, help: 'bus between gateway nodes' },
  store: { kind: 'choice', d: 'memory', choices: ['memory', 'redis'] as const, help: 'message store (seq and history)' },
  redis: { kind: 'string', d: undefined, help: 'Redis URL for --bus/--store redis' },
  kafka: { kind: 'string', d: undefined, help: 'Kafka brokers host:port,… for --bus kafka' },
  amqp: { kind: 'string', d: undefined, help: 'RabbitMQ URL amqp://user:pass@host:port/vhost for --bus rabbitmq; prefer env BFG_AMQP_URL (a password in a flag is visible in ps)' },
  amqpExchange: { kind: 'string', d: 'bfg.rooms', help: 'RabbitMQ topic exchange of the bus (declared if missing)' },
  history: { kind: 'int', d: 100, positive: true, help: 'messages kept per room in the hot history' },
  historyBytes: { kind: 'int', d: 256 * 2 ** 20, positive: true, help: 'embedded store: bytes of history kept in all (body + meta + 256 per message); past it the least recently written log of a room with no member is dropped (a later join: new epoch, recovered false)' },
  historyTtlS: { kind: 'int', d: 7 * 86_400, min: 0, help: 'Redis store: a room\'s log (its stream, seq, epoch and ids) expires this many seconds after its last message, so writing to ever new rooms or DM peers cannot grow Redis for ever (a later join: new epoch, recovered false); 0 keeps logs until Redis evicts them' },
  maxRecover: { kind: 'int', d: 1000, positive: true, help: 'most messages replayed by one join with after=' },
  maxPayload: { kind: 'int', d: 1 << 20, positive: true, help: 'largest WebSocket frame in bytes; larger closes with 1009' },
  maxBody: { kind: 'int', d: 64 * 1024, positive: true, help: 'largest message body in bytes; larger gets error too_large' },
  acceptRate: { kind: 'number', d: 5000, positive: true, help: 'new connections per second; past it close 1013' },
  acceptBurst: { kind: 'number', d: 10000, positive: true, help: 'burst of new connections above the accept rate' },
  maxConnections: { kind: 'int', d: connectionCapacity(), positive: true, help: 'open connections at most; past it close 1013' },
  msgRate: { kind: 'number', d: 50, positive: true, help: 'messages per second per connection; past it error rate_limited' },
  msgBurst: { kind: 'number', d: 100, positive: true, help: 'burst of messages per connection' },
  maxRooms: { kind: 'int', d: 100, positive: true, help: 'rooms one connection may join' },
  maxConnectionsPerUser: { kind: 'int', d: 100, positive: true, help: 'open connections of one user on this node; past it close 1013' },
  maxConnectionsPerIp: { kind: 'int', d: 0, min: 0, help: 'open connections from one client address on this node (0: no cap; behind a balancer, the address in its PROXY header with --proxy-protocol)' },
  maxRoomsPerUser: { kind: 'int', d: 1000, positive: true, help: 'room memberships of one user across all its connections on this node; past it error too_many_rooms' },
  slowBytes: { kind: 'int', d: 1 << 20, positive: true, help: 'queued output per connection in bytes; past it close 4008' },
  slowMs: { kind: 'number', d: 30_000, positive: true, help: 'ms queued output may stand still; past it close 4008' },
  heartbeatMs: { kind: 'number', d: 25_000, positive: true, help: 'ping interval; a peer silent for two intervals is closed' },
  drainJitterMs: { kind: 'number', d: 5_000, min: 0, help: 'drain frames carry retryAfterMs spread over 0..this' },
  redisCluster: { kind: 'bool', d: false, help: 'sharded pub/sub (SSUBSCRIBE/SPUBLISH) for Redis Cluster' },
  presenceBeatMs: { kind: 'number', d: 5_000, positive: true, help: 'how often a node beats its liveness key (Redis presence); users are written on connect and disconnect only' },
  presenceStaleMs: { kind: 'number', d: 15_000, positive: true, help: 'TTL of a node\'s liveness key: a node silent this long is dead, and its users offline' },
  archive: { kind: 'string', d: undefined, help: 'cold tier: cassandra://HOST:PORT[,HOST:PORT][/keyspace]; every acked message is queued (a Redis Stream, in the append script) and archived there, and history pages older than --history are read from it (needs --store redis)' },
  archiveWorker: { kind: 'bool', d: true, help: 'with --archive: run the archive worker in this process (--no-archive-worker when bfg archive runs apart)' },
  archiveBatch: { kind: 'int', d: 500, positive: true, help: 'with --archive: messages per archive read and Cassandra write batch' },
  archiveReplication: { kind: 'int', d: 1, positive: true, help: 'with --archive: replication factor of the keyspace when the gateway creates it' },
  typingIntervalMs: { kind: 'int', d: 3000, min: 0, help: 'typing events: at most one per user and room per this many ms is fanned out (the rest are coalesced away; 0 fans out every one)' },
  ephemeralRate: { kind: 'number', d: 10, positive: true, help: 'typing and read events per second per connection (a bucket apart from --msg-rate: they cannot starve sends); past it error rate_limited' },
  ephemeralBurst: { kind: 'number', d: 20, positive: true, help: 'burst of typing and read events per connection' },
  shed: { kind: 'bool', d: true, help: 'graceful degradation: when overloaded, shed typing, then read receipts, then history reads (never acked messages); --no-shed turns it off' },
  shedLoopMs: { kind: 'number', d: 50, positive: true, help: 'shedding: event-loop delay p99 (per 250 ms window) past which typing is shed (2x: receipts too, 4x: history reads too)' },
  shedLatencyMs: { kind: 'number', d: 100, positive: true, help: 'shedding: message delivery latency p99 on this node (per window, at the bfg_delivery_latency_seconds buckets) past which typing is shed (2x: receipts too, 4x: history reads too); catches a slow bus or store the event loop does not show' },
  shedOutboxBytes: { kind: 'int', d: 64 * 2 ** 20, positive: true, help: 'shedding: output queued for all clients of this node, in bytes, past which typing is shed (2x: receipts, 4x: history reads)' },
  shedRecoverMs: { kind: 'number', d: 5000, positive: true, help: 'shedding: the signals must stay under half their thresholds this long before one level is given back (hysteresis)' },
  notify: { kind: 'choice', d: 'none', choices: ['none', 'redis', 'kafka'] as const, help: 'offline notifications: redis writes one record per (message, offline user) — a DM\'s recipient, a room message\'s meta.mentions — to the Redis Stream bfg:notify, in the append script (needs --store redis); kafka also relays them from there to the Kafka topic --notify-topic (needs --kafka)' },
  notifyTopic: { kind: 'string', d: 'bfg-notify', help: 'with --notify kafka: the topic the records are relayed to (created with --kafka-partitions if missing); key: the user, header key: the record\'s idempotency key' },
  notifyMaxLen: { kind: 'int', d: 1_000_000, positive: true, help: 'with --notify redis: records kept in bfg:notify at most (approximate trim); a push service reads them with a consumer group' },
  kafkaTopic: { kind: 'string', d: 'bfg-messages', help: 'Kafka topic of the bus (created with --kafka-partitions if missing)' },
  kafkaFetchWaitMs: { kind: 'int', d: 100, positive: true, help: 'Kafka bus: longest a fetch waits at the broker for new messages (kafkajs maxWaitTimeInMs); the broker answers as soon as one lands, so lower only adds idle fetches' },
  kafkaPartitions: { kind: 'int', d: 8, positive: true, help: 'partitions of a created Kafka topic' },
  publishTimeoutMs: { kind: 'number', d: 3000, positive: true, help: 'longest wait for the bus to take a message; then error bus_unavailable' },
  reorderMs: { kind: 'number', d: 250, positive: true, help: 'Kafka and RabbitMQ buses: how long a message past a gap waits before the gap is read from the store' },
  proxyProtocol: { kind: 'bool', d: false, help: 'every connection starts with a PROXY protocol header (v2 or v1) from an L4 balancer (HAProxy send-proxy-v2): per-IP caps and logs see the client, not the balancer; a connection without one is refused' },
  admin: { kind: 'bool', d: false, help: 'enable POST /admin/close?users=a,b (server-initiated close 1012, for storm tests)' },
  allowedOrigins: { kind: 'list', d: [] as string[], help: 'browser origins that may connect, comma-separated (https://chat.example.com); default none: a browser page on another site cannot open a socket' },
  handshakeTimeoutMs: { kind: 'number', d: 5000, positive: true, help: 'an HTTP request or upgrade not finished within this is dropped' },
  maxHistoryBytes: { kind: 'int', d: 1 << 20, min: 1024, help: 'HTTP history: encoded bytes of one response at most (a page ends early, with more: true, at this size)' },
  historyReads: { kind: 'int', d: 64, positive: true, help: 'HTTP history: reads in progress on this node at most; past it 429' },
  historyReadsPerUser: { kind: 'int', d: 4, positive: true, help: 'HTTP history: reads in progress for one user at most; past it 429' },
  httpWriteTimeoutMs: { kind: 'number', d: 10_000, positive: true, help: 'an HTTP response whose reader takes nothing for this long is dropped' },
  maxTokenLifetime: { kind: 'int', d: 86_400, positive: true, help: 'seconds a token may still be valid for (exp − now); a longer-lived token, or one issued in the future beyond 60 s of skew, is refused' },
  ackWithoutPersistence: { kind: 'bool', d: false, help: 'accept a Redis that does not persist (appendonly no): acks then do not survive a Redis restart' },
  backlog: { kind: 'int', d: 4096, positive: true, help: 'listen backlog (kernel accept queue; capped by net.core.somaxconn): sized for reconnect storms' },
  insecurePublic: { kind: 'bool', d: false, help: 'allow --auth none or --admin on a non-loopback --host' },
} as const satisfies Record<string, Spec>;

type Value<S> = S extends { kind: 'choice'; choices: readonly (infer C)[] } ? C
  : S extends { kind: 'int' | 'number' } ? number : S extends { kind: 'bool' } ? boolean : S extends { kind: 'list' } ? string[] : string;
type Optional = { [K in keyof typeof OPTIONS]: (typeof OPTIONS)[K]['d'] extends undefined ? K : never }[keyof typeof OPTIONS];

/** Every gateway option; the ones without a default (secret, Redis and Kafka addresses) are optional. */
export type GatewayOptions = { -readonly [K in Exclude<keyof typeof OPTIONS, Optional>]: Value<(typeof OPTIONS)[K]> }
  & { -readonly [K in Optional]?: Value<(typeof OPTIONS)[K]> };
export type OptionKey = keyof typeof OPTIONS;

export const DEFAULTS: Readonly<GatewayOptions> = Object.freeze(Object.fromEntries(
  Object.entries(OPTIONS).filter(([, s]) => s.d !== undefined).map(([k, s]) => [k, s.d]),
) as unknown as GatewayOptions);

/** The flag of an option: maxBody -> max-body. */
export const flagOf = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** One option's problem from its declaration, or undefined. */
function problem(k: string, s: Spec, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  switch (s.kind) {
    case 'int': case 'number': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return `${k}: ${v} must be a number`;
      if (s.kind === 'int' && !Number.isInteger(v)) return `${k}: ${v} must be a whole number`;
      if (s.positive && v <= 0) return `${k}: ${v} must be a positive number`;
      if (s.min !== undefined && v < s.min) return `${k}: ${v} must be >= ${s.min}`;
      if (s.max !== undefined && v > s.max) return `${k}: ${v} must be <= ${s.max}`;
      return undefined;
    }
    case 'choice': return s.choices!.includes(v as string) ? undefined : `${k}: "${v}" must be ${s.choices!.join(' or ')}`;
    case 'bool': return typeof v === 'boolean' ? undefined : `${k}: ${v} must be true or false`;
    case 'list': return Array.isArray(v) && v.every((x) => typeof x === 'string') ? undefined : `${k}: must be a list of strings`;
    default: return typeof v === 'string' ? undefined : `${k}: must be a string`;
  }
}

/** Merges options over the defaults, checks every field, and returns them frozen. */
export function gatewayOptions(partial: Partial<GatewayOptions> = {}): Readonly<GatewayOptions> {
  const o: GatewayOptions = { ...DEFAULTS, ...stripUndefined(partial) };
  const errors: string[] = [];
  for (const k of Object.keys(partial)) if (!(k in OPTIONS)) errors.push(`${k}: not a gateway option`);
  for (const [k, s] of Object.entries(OPTIONS) as [OptionKey, Spec][]) {
    const p = problem(k, s, o[k]);
    if (p) errors.push(k === 'port' ? `port: ${o.port} is not a TCP port (0..65535; 0 picks a free one)` : p);
  }
  if (o.auth === 'jwt' && !o.jwtSecret) errors.push('jwtSecret: required with auth=jwt (pass --jwt-secret or set BFG_JWT_SECRET, or use --auth none for a local demo)');
  if (o.auth === 'jwt' && o.jwtSecret && Buffer.byteLength(o.jwtSecret) < MIN_SECRET_BYTES) {
    errors.push(`jwtSecret: ${Buffer.byteLength(o.jwtSecret)} bytes is too short to resist guessing; use at least ${MIN_SECRET_BYTES} random bytes (e.g. BFG_JWT_SECRET=$(openssl rand -hex 32))`);
  }
  if (!isLoopbackHost(o.host) && !o.insecurePublic && (o.auth === 'none' || o.admin)) {
    errors.push(`host: ${o.host} is not loopback, and ${o.auth === 'none' ? '--auth none lets anyone connect as any user' : '--admin lets anyone close other users\' sockets'}; use --auth jwt${o.admin ? ' without --admin' : ''}, or pass --insecure-public if this network is yours alone`);
  }
  if (Array.isArray(o.allowedOrigins) && o.allowedOrigins.some((x) => !(x === '*' || /^https?:\/\/[^/\s]+$/.test(x)))) {
    errors.push(`allowedOrigins: ${JSON.stringify(o.allowedOrigins)} must list origins like https://chat.example.com (scheme://host[:port], no path) or *`);
  }
  if (o.maxBody >= o.maxPayload) errors.push(`maxBody: ${o.maxBody} must be smaller than maxPayload (${o.maxPayload})`);
  if (!o.node || /[/\s]/.test(o.node)) errors.push(`node: "${o.node}" must be a non-empty id without "/" or spaces`);
  if (o.bus === 'kafka' && !o.kafka) errors.push('kafka: --bus kafka needs --kafka host:port[,host:port] (scripts/kafka.sh start 9092 starts a private broker)');
  if (o.archive !== undefined && o.store !== 'redis') errors.push('archive: --archive needs --store redis (the archive queue is a Redis Stream the append script writes)');
  if (o.archive !== undefined && o.redisCluster) errors.push('archive: --archive does not work with --redis-cluster yet (the archive queue is one stream, outside the rooms\' hash slots)');
  if (o.archive !== undefined && !/^cassandra:\/\/[^/]+/.test(o.archive)) errors.push(`archive: ${o.archive} is not cassandra://HOST:PORT[,HOST:PORT][/keyspace] (scripts/cassandra.sh start 9042 starts one)`);
  if (o.notify !== 'none' && o.store !== 'redis') errors.push(`notify: --notify ${o.notify} needs --store redis (the records are written by the append script, with the message)`);
  if (o.notify === 'kafka' && !o.kafka) errors.push('notify: --notify kafka needs --kafka host:port[,host:port] (scripts/kafka.sh start 9092 starts a private broker)');
  if (o.notify !== 'none' && o.redisCluster) errors.push('notify: --notify does not work with --redis-cluster yet (the append script reads presence keys outside the room\'s hash slot)');
  if (o.bus === 'kafka' && o.store !== 'redis') errors.push('store: --bus kafka needs --store redis (seq and history stay in Redis)');
  if (o.bus === 'rabbitmq' && !o.amqp) errors.push('amqp: --bus rabbitmq needs --amqp amqp://host:port or BFG_AMQP_URL (scripts/rabbitmq.sh start 5700 starts a private node)');
  if (o.bus === 'rabbitmq' && o.store !== 'redis') errors.push('store: --bus rabbitmq needs --store redis (seq and history stay in Redis)');
  if (o.amqp !== undefined && !/^amqps?:\/\/[^\s]+$/.test(o.amqp)) errors.push('amqp: must be an amqp:// or amqps:// URL (amqp://user:pass@host:5672/vhost)');
  if ((o.bus === 'redis' || o.store === 'redis') && !o.redis) errors.push('redis: --bus/--store redis need --redis redis://host:port (scripts/redis.sh start 6390 starts a private one)');
  if (o.bus === 'redis' && o.store === 'memory') errors.push('store: --bus redis needs --store redis (nodes must share seq and history)');
  if (o.presenceStaleMs <= o.presenceBeatMs) errors.push(`presenceStaleMs: ${o.presenceStaleMs} must exceed presenceBeatMs (${o.presenceBeatMs})`);
  if (errors.length) throw new BfgError('bad_option', errors.join('; '));
  return Object.freeze(o);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
