/** `bfg serve`: flags -> gateway options -> a running gateway that drains on SIGTERM. */
import type { Argv } from 'yargs';
import { BfgError } from '../protocol/index.js';
import { Gateway } from './gateway.js';
import { spawn } from 'node:child_process';
import { DEFAULTS, gatewayOptions, type GatewayOptions } from './options.js';
import { openParts } from './parts.js';

/** Declares the serve flags on a yargs instance. */
export function serveFlags(y: Argv) {
  const d = DEFAULTS;
  return y
    .option('port', { type: 'number', default: d.port, describe: 'TCP port for WebSocket and HTTP (0 picks a free one)' })
    .option('host', { type: 'string', default: d.host, describe: 'address to listen on' })
    .option('node', { type: 'string', default: d.node, describe: 'this node\'s id (in hello frames, metrics and bus origins)' })
    .option('nodes', { type: 'number', default: 1, describe: 'gateway processes on consecutive ports (more than 1 needs a shared bus and store)' })
    .option('auth', { choices: ['jwt', 'none'] as const, default: d.auth, describe: 'jwt: HS256 token in ?token=; none: user id from ?user= (local demos only)' })
    .option('jwt-secret', { type: 'string', describe: 'HS256 secret for --auth jwt, at least 32 bytes; prefer env BFG_JWT_SECRET (a flag is visible to every user in ps)' })
    .option('bus', { choices: ['memory', 'redis', 'kafka'] as const, default: d.bus, describe: 'bus between gateway nodes' })
    .option('store', { choices: ['memory', 'redis'] as const, default: d.store, describe: 'message store (seq and history)' })
    .option('redis', { type: 'string', describe: 'Redis URL for --bus/--store redis' })
    .option('kafka', { type: 'string', describe: 'Kafka brokers host:port,… for --bus kafka' })
    .option('history', { type: 'number', default: d.history, describe: 'messages kept per room in the hot history' })
    .option('max-recover', { type: 'number', default: d.maxRecover, describe: 'most messages replayed by one join with after=' })
    .option('max-payload', { type: 'number', default: d.maxPayload, describe: 'largest WebSocket frame in bytes; larger closes with 1009' })
    .option('max-body', { type: 'number', default: d.maxBody, describe: 'largest message body in bytes; larger gets error too_large' })
    .option('accept-rate', { type: 'number', default: d.acceptRate, describe: 'new connections per second; past it close 1013' })
    .option('accept-burst', { type: 'number', default: d.acceptBurst, describe: 'burst of new connections above the accept rate' })
    .option('max-connections', { type: 'number', default: d.maxConnections, describe: 'open connections at most; past it close 1013' })
    .option('msg-rate', { type: 'number', default: d.msgRate, describe: 'messages per second per connection; past it error rate_limited' })
    .option('msg-burst', { type: 'number', default: d.msgBurst, describe: 'burst of messages per connection' })
    .option('max-rooms', { type: 'number', default: d.maxRooms, describe: 'rooms one connection may join' })
    .option('slow-bytes', { type: 'number', default: d.slowBytes, describe: 'queued output per connection in bytes; past it close 4008' })
    .option('slow-ms', { type: 'number', default: d.slowMs, describe: 'ms queued output may stand still; past it close 4008' })
    .option('heartbeat-ms', { type: 'number', default: d.heartbeatMs, describe: 'ping interval; a peer silent for two intervals is closed' })
    .option('redis-cluster', { type: 'boolean', default: d.redisCluster, describe: 'sharded pub/sub (SSUBSCRIBE/SPUBLISH) for Redis Cluster' })
    .option('presence-beat-ms', { type: 'number', default: d.presenceBeatMs, describe: 'how often a node beats its liveness key (Redis presence); users are written on connect and disconnect only' })
    .option('presence-stale-ms', { type: 'number', default: d.presenceStaleMs, describe: 'TTL of a node\'s liveness key: a node silent this long is dead, and its users offline' })
    .option('kafka-topic', { type: 'string', default: d.kafkaTopic, describe: 'Kafka topic of the bus (created with --kafka-partitions if missing)' })
    .option('kafka-partitions', { type: 'number', default: d.kafkaPartitions, describe: 'partitions of a created Kafka topic' })
    .option('publish-timeout-ms', { type: 'number', default: d.publishTimeoutMs, describe: 'longest wait for the bus to take a message; then error bus_unavailable' })
    .option('reorder-ms', { type: 'number', default: d.reorderMs, describe: 'Kafka bus: how long a message past a gap waits before the gap is read from the store' })
    .option('admin', { type: 'boolean', default: d.admin, describe: 'enable POST /admin/close?users=a,b (server-initiated close 1012, for storm tests)' })
    .option('allowed-origins', { type: 'string', describe: 'browser origins that may connect, comma-separated (https://chat.example.com); default none: a browser page on another site cannot open a socket' })
    .option('handshake-timeout-ms', { type: 'number', default: d.handshakeTimeoutMs, describe: 'an HTTP request or upgrade not finished within this is dropped' })
    .option('ack-without-persistence', { type: 'boolean', default: d.ackWithoutPersistence, describe: 'accept a Redis that does not persist (appendonly no): acks then do not survive a Redis restart' })
    .option('backlog', { type: 'number', default: d.backlog, describe: 'listen backlog (kernel accept queue; capped by net.core.somaxconn): sized for reconnect storms' })
    .option('insecure-public', { type: 'boolean', default: d.insecurePublic, describe: 'allow --auth none or --admin on a non-loopback --host' })
    .option('drain-jitter-ms', { type: 'number', default: d.drainJitterMs, describe: 'drain frames carry retryAfterMs spread over 0..this' });
}

type ServeArgs = Awaited<ReturnType<typeof serveFlags>['argv']>;

/** Maps parsed flags to gateway options. */
export function serveOptions(a: ServeArgs): Partial<GatewayOptions> {
  return {
    port: a.port, host: a.host, node: a.node, auth: a.auth, jwtSecret: jwtSecret(a['jwt-secret']),
    bus: a.bus, store: a.store, redis: a.redis, redisCluster: a['redis-cluster'], presenceBeatMs: a['presence-beat-ms'],
    presenceStaleMs: a['presence-stale-ms'], kafka: a.kafka, kafkaTopic: a['kafka-topic'], kafkaPartitions: a['kafka-partitions'],
    publishTimeoutMs: a['publish-timeout-ms'], reorderMs: a['reorder-ms'], history: a.history, maxRecover: a['max-recover'], maxPayload: a['max-payload'],
    maxBody: a['max-body'], acceptRate: a['accept-rate'], acceptBurst: a['accept-burst'], maxConnections: a['max-connections'],
    msgRate: a['msg-rate'], msgBurst: a['msg-burst'], maxRooms: a['max-rooms'], slowBytes: a['slow-bytes'], slowMs: a['slow-ms'],
    heartbeatMs: a['heartbeat-ms'], drainJitterMs: a['drain-jitter-ms'], admin: a.admin,
    allowedOrigins: a['allowed-origins']?.split(',').map((x) => x.trim()).filter(Boolean), handshakeTimeoutMs: a['handshake-timeout-ms'],
    ackWithoutPersistence: a['ack-without-persistence'], insecurePublic: a['insecure-public'], backlog: a.backlog,
  };
}

/** The JWT secret: the environment first, because a command-line flag is readable by every local user (ps, /proc). */
export function jwtSecret(flag: string | undefined): string | undefined {
  const env = process.env.BFG_JWT_SECRET;
  if (flag !== undefined) {
    console.error(env
      ? 'bfg: warning: both --jwt-secret and BFG_JWT_SECRET are set; using BFG_JWT_SECRET (a flag is visible to every local user in ps)'
      : 'bfg: warning: --jwt-secret is visible to every local user in ps and /proc; prefer the environment variable BFG_JWT_SECRET');
  }
  return env || flag;
}

/** Runs `bfg serve` until SIGTERM or SIGINT, then drains and exits 0; `--nodes N` runs N node processes. */
export async function serve(a: ServeArgs): Promise<void> {
  if (a.nodes !== 1) return fleet(a);
  const opts = gatewayOptions(serveOptions(a));
  const gw = new Gateway(opts, await openParts(opts));
  const port = await gw.listen();
  const o = gw.opts;
  console.log(`bfg serve: node ${o.node} listening on ws://${o.host}:${port} (auth ${o.auth}, store ${o.store}, bus ${o.bus}; HTTP /health /metrics /rooms/:room/messages)`);
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`bfg serve: ${sig}: draining ${gw.sessions.size} connections`);
    void gw.drain().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** `--nodes N`: N gateway processes on consecutive ports (each within its own fd limit), ids <node>-1..N. */
async function fleet(a: ServeArgs): Promise<void> {
  if (!Number.isInteger(a.nodes) || a.nodes < 1) throw new BfgError('bad_option', `--nodes ${a.nodes}: must be a whole number >= 1`);
  if (a.bus === 'memory') {
    throw new BfgError('bad_option', `--nodes ${a.nodes} with --bus memory: the in-process bus cannot join processes; use --bus redis --store redis --redis URL`);
  }
  gatewayOptions(serveOptions(a)); // every other problem is reported before any process starts
  const argv = process.argv.slice(2).filter((x, i, all) => !/^--(nodes|node|port)(=|$)/.test(x) && !/^--(nodes|node|port)$/.test(all[i - 1] ?? ''));
  const children = Array.from({ length: a.nodes }, (_, i) => spawn(process.execPath, [process.argv[1], ...argv, '--node', `${a.node}-${i + 1}`,
    '--port', String(a.port === 0 ? 0 : a.port + i)], { stdio: ['ignore', 'inherit', 'inherit'] }));
  const forward = (sig: NodeJS.Signals) => children.forEach((c) => c.kill(sig));
  process.on('SIGTERM', () => forward('SIGTERM'));
  process.on('SIGINT', () => forward('SIGINT'));
  const codes = await Promise.all(children.map((c) => new Promise<number>((r) => c.on('exit', (code) => r(code ?? 1)))));
  process.exit(codes.every((c) => c === 0) ? 0 : 2);
}
