/** Cold tier sizing (Cassandra): writes, bytes, partitions, nodes, and the archive's lag per worker. */
/** seqs per Cassandra partition of the archive (server/archive/cold.ts BUCKET_SEQS) */
export const ARCHIVE_BUCKET_SEQS = 1024;

/** replica writes per second = peak messages per second × replication factor */
export function coldWritesPerSec(peakMsgsPerSec: number, replication: number): number {
  return peakMsgsPerSec * replication;
}

/** bytes per day on disk = messages per day × (bytes per message + row overhead) × replication factor */
export function coldBytesPerDay(msgsPerDay: number, bytesPerMsg: number, rowOverheadBytes: number, replication: number): number {
  return msgsPerDay * (bytesPerMsg + rowOverheadBytes) * replication;
}

/** bytes kept = bytes per day × retention days */
export function coldBytesRetained(bytesPerDay: number, retentionDays: number): number {
  return bytesPerDay * retentionDays;
}

/** partitions filled per day = messages per day / seqs per partition (a busy room fills several, a quiet one part of one) */
export function partitionsPerDay(msgsPerDay: number, bucketSeqs = ARCHIVE_BUCKET_SEQS): number {
  return msgsPerDay / bucketSeqs;
}

/** a full partition's bytes = seqs per partition × (bytes per message + row overhead) */
export function partitionBytes(bytesPerMsg: number, rowOverheadBytes: number, bucketSeqs = ARCHIVE_BUCKET_SEQS): number {
  return bucketSeqs * (bytesPerMsg + rowOverheadBytes);
}

export interface ColdNodes { nodes: number; binding: 'write throughput' | 'disk'; byWrites: number; byDisk: number }

/** nodes = max(ceil(replica writes/s ÷ writes/s per node), ceil(bytes kept ÷ (disk per node × usable fill))) */
export function coldNodes(replicaWritesPerSec: number, writesPerNodePerSec: number, bytesRetained: number, diskPerNodeBytes: number, diskFill: number): ColdNodes {
  const byWrites = Math.max(1, Math.ceil(replicaWritesPerSec / writesPerNodePerSec));
  const byDisk = Math.max(1, Math.ceil(bytesRetained / (diskPerNodeBytes * diskFill)));
  return byDisk > byWrites ? { nodes: byDisk, binding: 'disk', byWrites, byDisk } : { nodes: byWrites, binding: 'write throughput', byWrites, byDisk };
}

export interface ArchiveLag { workersNeeded: number; lagGrowthPerSec: number; lagAfterPeakHourMsgs: number; lagAfterPeakHourS: number }

/**
 * archive workers needed = ceil(peak msgs/s ÷ msgs/s one worker writes); with `workers`, the queue grows
 * at max(0, peak − workers × rate) during the peak, and after an hour of it holds that × 3,600 messages
 * (drained at the average rate's headroom afterwards)
 */
export function archiveLag(peakMsgsPerSec: number, msgsPerWorkerPerSec: number, workers: number): ArchiveLag {
  const workersNeeded = Math.max(1, Math.ceil(peakMsgsPerSec / msgsPerWorkerPerSec));
  const lagGrowthPerSec = Math.max(0, peakMsgsPerSec - workers * msgsPerWorkerPerSec);
  const lagAfterPeakHourMsgs = lagGrowthPerSec * 3600;
  return { workersNeeded, lagGrowthPerSec, lagAfterPeakHourMsgs, lagAfterPeakHourS: lagAfterPeakHourMsgs / (workers * msgsPerWorkerPerSec) };
}

/** bytes per year = bytes per day × 365 */
export function bytesPerYear(bytesPerDay: number): number {
  return bytesPerDay * 365;
}
