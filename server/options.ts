/** Gateway options: defaults, validation at the edge (all problems at once), then frozen. */
import { BfgError, MIN_SECRET_BYTES } from '../protocol/index.js';
import { isLoopbackHost } from './limits.js';
import { connectionCapacity } from './limits.js';

export interface GatewayOptions {
  port: number;
  host: string;
  node: string;
  auth: 'jwt' | 'none';
  jwtSecret?: string;
  history: number;
  maxRecover: number;
  maxPayload: number;
  maxBody: number;
  acceptRate: number;
  acceptBurst: number;
  maxConnections: number;
  msgRate: number;
  msgBurst: number;
  maxRooms: number;
  slowBytes: number;
  slowMs: number;
  heartbeatMs: number;
  drainJitterMs: number;
  bus: 'memory' | 'redis' | 'kafka';
  store: 'memory' | 'redis';
  /** enables POST /admin/close?users=a,b (server-initiated close, for storm tests); loopback use only */
  admin: boolean;
  redis?: string;
  /** sharded pub/sub (SSUBSCRIBE/SPUBLISH) for Redis Cluster */
  redisCluster: boolean;
  presenceBeatMs: number;
  presenceStaleMs: number;
  /** Kafka bus: brokers, topic, partitions, how long a publish may wait, and the reorder window */
  kafka?: string;
  kafkaTopic: string;
  kafkaPartitions: number;
  publishTimeoutMs: number;
  reorderMs: number;
  /** browser origins allowed to open a socket or call the admin route (exact `scheme://host[:port]`, or `*`) */
  allowedOrigins: string[];
  /** an upgrade not finished within this is dropped (unfinished upgrades count toward maxConnections) */
  handshakeTimeoutMs: number;
  /** accept a Redis store that does not persist (acks a restart would lose): tests and demos only */
  ackWithoutPersistence: boolean;
  /** let --auth none or --admin listen beyond loopback (anyone who reaches the port can act as any user) */
  insecurePublic: boolean;
  /** listen backlog: connections the kernel queues before accept (capped by net.core.somaxconn) */
  backlog: number;
}

export const DEFAULTS: Readonly<GatewayOptions> = Object.freeze({
  port: 8080,
  host: '127.0.0.1',
  node: 'n1',
  auth: 'jwt',
  history: 100,
  maxRecover: 1000,
  maxPayload: 1 << 20,
  maxBody: 64 * 1024,
  acceptRate: 5000,
  acceptBurst: 10000,
  maxConnections: connectionCapacity(),
  msgRate: 50,
  msgBurst: 100,
  maxRooms: 100,
  slowBytes: 1 << 20,
  slowMs: 30_000,
  heartbeatMs: 25_000,
  drainJitterMs: 5_000,
  bus: 'memory',
  store: 'memory',
  admin: false,
  redisCluster: false,
  presenceBeatMs: 5_000,
  presenceStaleMs: 15_000,
  kafkaTopic: 'bfg-messages',
  kafkaPartitions: 8,
  publishTimeoutMs: 3000,
  reorderMs: 250,
  allowedOrigins: [],
  handshakeTimeoutMs: 5000,
  ackWithoutPersistence: false,
  insecurePublic: false,
  // sized for reconnect storms: a node that loses its neighbour's clients takes thousands at once
  backlog: 4096,
});

const POSITIVE: (keyof GatewayOptions)[] = ['history', 'maxRecover', 'maxPayload', 'maxBody', 'acceptRate', 'acceptBurst',
  'maxConnections', 'msgRate', 'msgBurst', 'maxRooms', 'slowBytes', 'slowMs', 'heartbeatMs', 'presenceBeatMs', 'presenceStaleMs', 'kafkaPartitions', 'publishTimeoutMs', 'reorderMs', 'handshakeTimeoutMs', 'backlog'];

/** Merges options over the defaults, checks every field, and returns them frozen. */
export function gatewayOptions(partial: Partial<GatewayOptions> = {}): Readonly<GatewayOptions> {
  const o: GatewayOptions = { ...DEFAULTS, ...stripUndefined(partial) };
  const errors: string[] = [];
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) errors.push(`port: ${o.port} is not a TCP port (0..65535; 0 picks a free one)`);
  for (const k of POSITIVE) {
    const v = o[k] as number;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) errors.push(`${k}: ${v} must be a positive number`);
  }
  if (!Number.isFinite(o.drainJitterMs) || o.drainJitterMs < 0) errors.push(`drainJitterMs: ${o.drainJitterMs} must be >= 0`);
  if (o.auth !== 'jwt' && o.auth !== 'none') errors.push(`auth: "${o.auth}" must be jwt or none`);
  if (o.auth === 'jwt' && !o.jwtSecret) errors.push('jwtSecret: required with auth=jwt (pass --jwt-secret or set BFG_JWT_SECRET, or use --auth none for a local demo)');
  if (o.auth === 'jwt' && o.jwtSecret && Buffer.byteLength(o.jwtSecret) < MIN_SECRET_BYTES) {
    errors.push(`jwtSecret: ${Buffer.byteLength(o.jwtSecret)} bytes is too short to resist guessing; use at least ${MIN_SECRET_BYTES} random bytes (e.g. BFG_JWT_SECRET=$(openssl rand -hex 32))`);
  }
  if (!isLoopbackHost(o.host) && !o.insecurePublic && (o.auth === 'none' || o.admin)) {
    errors.push(`host: ${o.host} is not loopback, and ${o.auth === 'none' ? '--auth none lets anyone connect as any user' : '--admin lets anyone close other users\' sockets'}; use --auth jwt${o.admin ? ' without --admin' : ''}, or pass --insecure-public if this network is yours alone`);
  }
  if (!Array.isArray(o.allowedOrigins) || o.allowedOrigins.some((x) => typeof x !== 'string' || !(x === '*' || /^https?:\/\/[^/\s]+$/.test(x)))) {
    errors.push(`allowedOrigins: ${JSON.stringify(o.allowedOrigins)} must list origins like https://chat.example.com (scheme://host[:port], no path) or *`);
  }
  if (o.maxBody >= o.maxPayload) errors.push(`maxBody: ${o.maxBody} must be smaller than maxPayload (${o.maxPayload})`);
  if (!o.node || /[/\s]/.test(o.node)) errors.push(`node: "${o.node}" must be a non-empty id without "/" or spaces`);
  if (o.bus === 'kafka' && !o.kafka) errors.push('kafka: --bus kafka needs --kafka host:port[,host:port] (scripts/kafka.sh start 9092 starts a private broker)');
  if (o.bus === 'kafka' && o.store !== 'redis') errors.push('store: --bus kafka needs --store redis (seq and history stay in Redis)');
  if ((o.bus === 'redis' || o.store === 'redis') && !o.redis) errors.push('redis: --bus/--store redis need --redis redis://host:port (scripts/redis.sh start 6390 starts a private one)');
  if (o.bus === 'redis' && o.store === 'memory') errors.push('store: --bus redis needs --store redis (nodes must share seq and history)');
  if (o.presenceStaleMs <= o.presenceBeatMs) errors.push(`presenceStaleMs: ${o.presenceStaleMs} must exceed presenceBeatMs (${o.presenceBeatMs})`);
  if (errors.length) throw new BfgError('bad_option', errors.join('; '));
  return Object.freeze(o);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
