/** The inputs of `bfg plan`: each with its default, unit and meaning; validated all at once. */
import { BfgError } from '../protocol/index.js';
import { POLICIES, type StormPolicy } from './storm/input.js';
import type { Provenance } from './units.js';

export const PLAN_FIELDS = {
  target_connections: { d: 10_000_000, unit: 'connections', help: 'concurrent connections to hold' },
  usable_ram_gib: { d: 28, unit: 'GiB', help: 'RAM per server given to connections' },
  process_base_mib: { d: 200, unit: 'MiB', help: 'RAM of one gateway process before any connection' },
  mem_per_conn_kib: { d: 20, unit: 'KiB', help: 'memory per connection (application + kernel)' },
  fd_limit: { d: 1_000_000, unit: 'fds', help: 'open files per server process' },
  redundancy: { d: 2, unit: 'x', help: 'spare capacity factor for failover' },
  rmem_bytes: { d: 4096, unit: 'bytes', help: 'kernel receive buffer per socket' },
  wmem_bytes: { d: 4096, unit: 'bytes', help: 'kernel send buffer per socket' },
  rooms: { d: 1_000_000, unit: 'rooms', help: 'active rooms' },
  room_size: { d: 50, unit: 'members', help: 'members per room (or give room_classes in a plan file)' },
  room_msgs_per_sec: { d: 1000, unit: 'msgs/s', help: 'messages per second into one room, for the fan-out figures' },
  subs_per_bus_node: { d: 100_000, unit: 'subscriptions', help: 'channel subscriptions one bus node holds' },
  bus_msgs_per_node_per_sec: { d: 1_000_000, unit: 'msgs/s', help: 'deliveries one bus node carries per second' },
  daily_users: { d: 20_000_000, unit: 'users', help: 'daily active users' },
  msgs_per_user_per_day: { d: 30, unit: 'msgs', help: 'messages each user sends per day' },
  peak_factor: { d: 3, unit: 'x', help: 'peak over average message rate' },
  bytes_per_msg: { d: 500, unit: 'bytes', help: 'stored bytes per message' },
  cold_replication: { d: 3, unit: 'x', help: 'Cassandra replication factor of the archive keyspace' },
  cold_row_overhead_bytes: { d: 60, unit: 'bytes', help: 'per archived row besides the message: key columns, cell and SSTable overhead (modeled)' },
  cold_retention_days: { d: 365, unit: 'days', help: 'days of history kept in the cold tier' },
  cold_disk_per_node_gib: { d: 2048, unit: 'GiB', help: 'data disk per Cassandra node' },
  cold_disk_fill: { d: 0.5, unit: 'fraction', help: 'share of a node\'s disk data may fill (compaction needs the rest)' },
  cold_writes_per_node_per_sec: { d: 20_000, unit: 'writes/s', help: 'replica writes one Cassandra node sustains (modeled; measure yours)' },
  archive_msgs_per_worker_per_sec: { d: 5_000, unit: 'msgs/s', help: 'messages one archive worker moves to Cassandra per second (npm run bench:archive measures it)' },
  typing_per_msg: { d: 2, unit: 'events', help: 'typing events fanned out per message sent, after the gateway\'s coalescing (one per --typing-interval-ms, 3 s): about 6 s of composing per message (assumption; 0 with typing off)' },
  receipts_per_delivery: { d: 0.25, unit: 'receipts', help: 'read receipts per message delivered: one receipt marks everything read so far, so a reader who reads 4 at a time sends 0.25 (assumption; 0 with receipts off)' },
  dm_share: { d: 0.5, unit: 'fraction', help: 'share of messages that are DMs (each names one recipient for an offline notification)' },
  mentions_per_msg: { d: 0.05, unit: 'users', help: 'users named in meta.mentions per room message, on average' },
  offline_share: { d: 0.6, unit: 'fraction', help: 'share of named recipients with no live session at peak (they get a notification record)' },
  archive_workers: { d: 2, unit: 'workers', help: 'archive workers (bfg archive processes, or gateways with --archive)' },
  cores_per_server: { d: 16, unit: 'cores', help: 'CPU cores per server' },
  writes_per_core_per_sec: { d: 200_000, unit: 'writes/s', help: 'fan-out socket writes one core sustains' },
  heartbeat_s: { d: 25, unit: 's', help: 'ping interval of the gateway (bfg serve --heartbeat-ms / 1000)' },
  heartbeat_us: { d: 37, unit: 'µs', help: 'gateway CPU per ping/pong round trip (default: bench:idle on a 2-vCPU VM; --from an idle run measures yours)' },
  accept_per_core_per_sec: { d: 2000, unit: 'conns/s', help: 'new connections one core accepts (TLS and auth included)' },
  kill: { d: 1, unit: 'servers', help: 'servers lost at once in the storm figure' },
  base_ms: { d: 1000, unit: 'ms', help: 'reconnect backoff base' },
  cap_ms: { d: 30_000, unit: 'ms', help: 'reconnect backoff cap' },
} as const;

export type PlanKey = keyof typeof PLAN_FIELDS;
/** Limits measured at an SLO by `bfg find` (capacity.json); no modeled default: absent unless measured. */
export const SLO_FIELDS = {
  slo_connections_per_server: { unit: 'connections', help: 'connections one gateway node held at the SLO (bfg find --vary users)' },
  slo_deliveries_per_server_per_sec: { unit: 'deliveries/s', help: 'fan-out deliveries per second one gateway node sustained at the SLO (bfg find --vary rate|room_size)' },
} as const;
export type SloKey = keyof typeof SLO_FIELDS;
export type PlanInputs = Record<PlanKey, number> & Partial<Record<SloKey, number>> & { policy: StormPolicy; room_classes?: { rooms: number; members: number }[] };
export type Sources = Partial<Record<PlanKey | SloKey, { provenance: Provenance; note: string }>>;

/** inputs that may be 0 (a feature turned off); every other one must be positive */
const ZERO_OK: PlanKey[] = ['typing_per_msg', 'receipts_per_delivery', 'dm_share', 'mentions_per_msg', 'offline_share'];
const INTEGER: PlanKey[] = ['target_connections', 'fd_limit', 'rooms', 'room_size', 'cores_per_server', 'kill', 'cold_replication', 'archive_workers'];

/** Merges given inputs over the defaults and checks every one; throws one error naming each bad input. */
export function planInputs(given: Record<string, unknown>): Readonly<PlanInputs> {
  const errors: string[] = [];
  const out: Record<string, unknown> = { policy: 'full-jitter' };
  for (const k of Object.keys(given)) {
    if (!(k in PLAN_FIELDS) && !(k in SLO_FIELDS) && k !== 'policy' && k !== 'room_classes') errors.push(`${k}: not a plan input (inputs: ${Object.keys(PLAN_FIELDS).join(', ')}, policy, room_classes, ${Object.keys(SLO_FIELDS).join(', ')})`);
  }
  for (const k of Object.keys(SLO_FIELDS) as SloKey[]) {
    const v = given[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) errors.push(`${k}: ${JSON.stringify(v)} must be a positive number (${SLO_FIELDS[k].unit})`);
    else out[k] = v;
  }
  for (const [k, f] of Object.entries(PLAN_FIELDS) as [PlanKey, (typeof PLAN_FIELDS)[PlanKey]][]) {
    const v = given[k] ?? f.d;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (v === 0 && !ZERO_OK.includes(k))) errors.push(`${k}: ${JSON.stringify(v)} must be a ${ZERO_OK.includes(k) ? 'non-negative' : 'positive'} number (${f.unit})`);
    else if (INTEGER.includes(k) && !Number.isInteger(v)) errors.push(`${k}: ${v} must be a whole number`);
    out[k] = v;
  }
  if (given.policy !== undefined) {
    if (!POLICIES.includes(given.policy as StormPolicy)) errors.push(`policy: "${given.policy}" is not one of ${POLICIES.join(', ')}`);
    else out.policy = given.policy;
  }
  if (given.room_classes !== undefined) {
    const rc = given.room_classes;
    if (!Array.isArray(rc) || rc.length === 0 || !rc.every((c) => c && c.rooms > 0 && Number.isInteger(c.members) && c.members > 0)) {
      errors.push('room_classes: must be a list of {rooms > 0, members: whole number > 0}');
    } else out.room_classes = rc;
  }
  const o = out as PlanInputs;
  if (errors.length === 0) {
    if (o.usable_ram_gib * 1024 <= o.process_base_mib) errors.push(`usable_ram_gib: ${o.usable_ram_gib} GiB is not more than process_base_mib (${o.process_base_mib} MiB): no memory is left for connections`);
    if (o.redundancy < 1) errors.push(`redundancy: ${o.redundancy} must be at least 1`);
    for (const k of ['dm_share', 'offline_share'] as const) if (o[k] > 1) errors.push(`${k}: ${o[k]} is a share: at most 1`);
    if (o.base_ms > o.cap_ms) errors.push(`base_ms: ${o.base_ms} must not exceed cap_ms (${o.cap_ms})`);
  }
  if (errors.length) throw new BfgError('bad_option', errors.join('; '));
  return Object.freeze(o);
}
