/** A capacity plan: every calculator applied to one set of inputs, each figure with its formula. */
import { busDeliveriesPerMessage, busNodes, subscriptionsPerServer } from './bus.js';
import { connectionsPerServer, kernelBufferGiB, serversNeeded } from './connections.js';
import { heartbeatCores, heartbeatsPerSec } from './heartbeat.js';
import { fleetWritesPerSec, writesOnSenderServer, writesPerMessage, writesPerSecPerServer } from './fanout.js';
import { BfgError } from '../protocol/index.js';
import type { PlanInputs, Sources } from './inputs.js';
import { aggregateStorm, STORM_DEFAULTS } from './storm/index.js';
import { avgMsgsPerSec, msgsPerDay, peakMsgsPerSec, storedBytesPerDay } from './traffic.js';
import { ephemeralShare, ephemeralWritesPerSec, notificationsPerSec, receiptsPerSec, typingPerSec } from './ephemeral.js';
import { archiveLag, bytesPerYear, coldBytesPerDay, coldBytesRetained, coldNodes, coldWritesPerSec, partitionBytes, partitionsPerDay, ARCHIVE_BUCKET_SEQS } from './cold.js';

export interface Figure { name: string; value: number | string; unit: string; formula: string }
export interface Plan { schema: 'bfg.plan.v1'; inputs: PlanInputs; sources: Sources; figures: Figure[]; binding: Record<string, string> }

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Computes the plan. */
export function makePlan(i: Readonly<PlanInputs>, sources: Sources = {}): Plan {
  const f: Figure[] = [];
  const add = (name: string, value: number | string, unit: string, formula: string) => f.push({ name, value, unit, formula });
  const usable = i.usable_ram_gib - i.process_base_mib / 1024;
  const modeled = connectionsPerServer(usable, i.mem_per_conn_kib, i.fd_limit);
  add('connections per server by memory', modeled.byMemory, 'connections', '(usable_ram_gib − process_base) × 1024² / mem_per_conn_kib');
  add('connections per server by fds', modeled.byFds, 'connections', 'fd_limit');
  // a knee measured at the SLO is a limit too: the lowest of the three binds
  const slo = i.slo_connections_per_server;
  const per = slo !== undefined && slo < modeled.connections ? { ...modeled, connections: slo, binding: 'the SLO knee (measured)' } : modeled;
  if (slo !== undefined) add('connections per server at the SLO (measured)', slo, 'connections', 'bfg find: highest connections per node that held the SLO');
  add('connections per server', per.connections, 'connections', `min(memory, fds${slo !== undefined ? ', SLO knee' : ''}): ${per.binding} binds`);
  const servers = serversNeeded(i.target_connections, per.connections);
  add('servers for the target', servers, 'servers', 'ceil(target_connections / connections per server)');
  add('servers with redundancy', serversNeeded(i.target_connections, per.connections, i.redundancy), 'servers', '× redundancy');
  add('kernel socket buffers per server', round2(kernelBufferGiB(per.connections, i.rmem_bytes, i.wmem_bytes)), 'GiB', 'connections × (rmem + wmem) / 1024³ (on top of mem_per_conn if that excludes them)');
  const classes = i.room_classes ?? [{ rooms: i.rooms, members: i.room_size }];
  const subs = subscriptionsPerServer(classes, servers);
  add('room subscriptions per server', Math.round(subs), 'subscriptions', 'Σ rooms × (1 − (1 − 1/servers)^members)');
  const peak = peakMsgsPerSec(i.daily_users, i.msgs_per_user_per_day, i.peak_factor);
  const meanMembers = classes.reduce((a, c) => a + c.rooms * c.members, 0) / classes.reduce((a, c) => a + c.rooms, 0);
  // typing and read receipts take the same bus and fan-out as messages, never the store
  const typing = typingPerSec(peak, i.typing_per_msg), receipts = receiptsPerSec(peak, meanMembers, i.receipts_per_delivery);
  add('ephemeral: typing events per second at peak', Math.round(typing), 'events/s', 'peak msgs/s × typing_per_msg');
  add('ephemeral: read receipts per second at peak', Math.round(receipts), 'receipts/s', 'peak msgs/s × (mean members − 1) × receipts_per_delivery');
  const busMsgs = (peak + typing + receipts) * busDeliveriesPerMessage(Math.round(meanMembers), servers);
  const bus = busNodes(subs * servers, i.subs_per_bus_node, busMsgs, i.bus_msgs_per_node_per_sec);
  add('bus deliveries per second at peak (messages, typing and receipts)', Math.round(busMsgs), 'msgs/s', '(peak msgs/s + typing/s + receipts/s) × servers × (1 − (1 − 1/servers)^mean members)');
  add('bus nodes', bus.nodes, 'nodes', `max(by subscriptions ${bus.bySubscriptions}, by throughput ${bus.byThroughput}): ${bus.binding} binds`);
  add('socket writes per message', writesPerMessage(i.room_size), 'writes', 'room_size − 1');
  add('writes on the sender\'s server', round2(writesOnSenderServer(i.room_size, servers)), 'writes', 'max(0, room_size / servers − 1)');
  add('fleet writes per second (one room)', fleetWritesPerSec(i.room_msgs_per_sec, i.room_size), 'writes/s', 'room_msgs_per_sec × (room_size − 1)');
  add('writes per second per server (one room)', round2(writesPerSecPerServer(i.room_msgs_per_sec, i.room_size, servers)), 'writes/s', 'fleet writes / servers');
  // an idle connection still costs CPU: its ping and pong every interval, paid before any fan-out
  const hbCores = heartbeatCores(per.connections, i.heartbeat_s, i.heartbeat_us);
  const spareCores = i.cores_per_server - hbCores;
  if (spareCores <= 0) {
    throw new BfgError('bad_option', `heartbeats alone take ${round2(hbCores)} cores of a ${i.cores_per_server}-core server (${per.connections} connections / heartbeat_s ${i.heartbeat_s} × heartbeat_us ${i.heartbeat_us}): raise heartbeat_s or cores_per_server, or hold fewer connections per server (fd_limit)`);
  }
  add('heartbeat round trips per second per server', Math.round(heartbeatsPerSec(per.connections, i.heartbeat_s)), 'round trips/s', 'connections per server / heartbeat_s');
  add('heartbeat CPU per server (every connection idle)', round2(hbCores), 'cores', 'connections per server / heartbeat_s × heartbeat_us / 10⁶');
  // a surviving server accepts with what its own connections' heartbeats leave it
  const acceptCapacity = i.accept_per_core_per_sec * spareCores;
  const msgWrites = peak * (meanMembers - 1), ephWrites = ephemeralWritesPerSec(typing, receipts, meanMembers);
  const fleetPeakWrites = msgWrites + ephWrites;
  add('fan-out writes per second at peak: messages', Math.round(msgWrites), 'writes/s', 'peak msgs/s × (mean members − 1)');
  add('fan-out writes per second at peak: typing and receipts', Math.round(ephWrites), 'writes/s', '(typing/s + receipts/s) × (mean members − 1)');
  add('share of fan-out writes that are typing and receipts', round2(100 * ephemeralShare(msgWrites, ephWrites)), '%', 'ephemeral writes / all fan-out writes');
  const sloWrites = i.slo_deliveries_per_server_per_sec;
  const byCpu = Math.ceil(fleetPeakWrites / (sloWrites ?? i.writes_per_core_per_sec * spareCores));
  add(sloWrites !== undefined ? 'servers by fan-out at the SLO at peak (measured rate)' : 'servers by fan-out CPU at peak', byCpu, 'servers',
    sloWrites !== undefined ? '(message + ephemeral writes at peak) / slo_deliveries_per_server_per_sec'
      : '(message + ephemeral writes at peak) / (writes_per_core_per_sec × (cores_per_server − heartbeat CPU per server))');
  add('messages per day', msgsPerDay(i.daily_users, i.msgs_per_user_per_day), 'msgs', 'daily_users × msgs_per_user_per_day');
  add('average messages per second', Math.round(avgMsgsPerSec(i.daily_users, i.msgs_per_user_per_day)), 'msgs/s', 'messages per day / 86,400');
  add('peak messages per second', Math.round(peak), 'msgs/s', 'average × peak_factor');
  add('stored per day', round2(storedBytesPerDay(i.daily_users, i.msgs_per_user_per_day, i.bytes_per_msg) / 1024 ** 3), 'GiB', 'messages per day × bytes_per_msg');
  add('offline notification records per second at peak', round2(notificationsPerSec(peak, i.dm_share, i.mentions_per_msg, i.offline_share)), 'records/s', 'peak msgs/s × (dm_share + mentions_per_msg) × offline_share (bfg serve --notify redis: one record per message and offline user)');
  // the cold tier: every message archived once, replicated cold_replication times
  const perDay = msgsPerDay(i.daily_users, i.msgs_per_user_per_day);
  const coldWrites = coldWritesPerSec(peak, i.cold_replication);
  const coldDay = coldBytesPerDay(perDay, i.bytes_per_msg, i.cold_row_overhead_bytes, i.cold_replication);
  const kept = coldBytesRetained(coldDay, i.cold_retention_days);
  const cold = coldNodes(coldWrites, i.cold_writes_per_node_per_sec, kept, i.cold_disk_per_node_gib * 1024 ** 3, i.cold_disk_fill);
  const lag = archiveLag(peak, i.archive_msgs_per_worker_per_sec, i.archive_workers);
  add('cold tier: replica writes per second at peak', Math.round(coldWrites), 'writes/s', 'peak msgs/s × cold_replication');
  add('cold tier: bytes per day (with replication)', round2(coldDay / 1024 ** 3), 'GiB', 'messages per day × (bytes_per_msg + cold_row_overhead_bytes) × cold_replication');
  add('cold tier: bytes per year (with replication)', round2(bytesPerYear(coldDay) / 1024 ** 4), 'TiB', 'bytes per day × 365');
  add('cold tier: partitions filled per day', Math.round(partitionsPerDay(perDay)), 'partitions', `messages per day / ${ARCHIVE_BUCKET_SEQS} seqs per partition`);
  add('cold tier: size of a full partition', round2(partitionBytes(i.bytes_per_msg, i.cold_row_overhead_bytes) / 1024 ** 2), 'MiB', `${ARCHIVE_BUCKET_SEQS} × (bytes_per_msg + cold_row_overhead_bytes); keep under ~100 MB`);
  add('cold tier: Cassandra nodes', cold.nodes, 'nodes', `max(by writes ${cold.byWrites}, by disk ${cold.byDisk} for ${i.cold_retention_days} days): ${cold.binding} binds`);
  add('archive workers needed at peak', lag.workersNeeded, 'workers', 'ceil(peak msgs/s / archive_msgs_per_worker_per_sec)');
  add(`archive lag after an hour of peak with ${i.archive_workers} workers`, Math.round(lag.lagAfterPeakHourMsgs), 'msgs', 'max(0, peak − archive_workers × archive_msgs_per_worker_per_sec) × 3,600');
  const fleet = Math.max(servers, byCpu) * i.redundancy;
  const storm = aggregateStorm({
    ...STORM_DEFAULTS, clients: Math.min(i.target_connections, fleet * per.connections), servers: fleet, kill: Math.min(i.kill, fleet - 1),
    policy: i.policy, baseMs: i.base_ms, capMs: i.cap_ms, acceptRatePerServer: acceptCapacity, connCapPerServer: per.connections, horizonS: 300,
  });
  add(`storm: peak reconnect arrivals (${i.policy}, ${i.kill} of ${fleet} servers lost)`, Math.round(storm.summary.peakArrivalsPerSec), 'conns/s', 'aggregate storm model');
  add('storm: time to 99% reconnected', storm.summary.timeTo99S ?? 'not within 300 s', 's', 'aggregate storm model, accept capacity = accept_per_core_per_sec × (cores_per_server − heartbeat CPU per server)');
  add('storm: connection attempts rejected', Math.round(storm.summary.totalRejected), 'attempts', 'aggregate storm model');
  return {
    schema: 'bfg.plan.v1', inputs: i as PlanInputs, sources, figures: f,
    binding: { connections: per.binding, bus: bus.binding, cold: cold.binding, servers: byCpu > servers ? (sloWrites !== undefined ? 'fan-out at the SLO (measured)' : 'fan-out CPU') : `connections (${per.binding})` },
  };
}
