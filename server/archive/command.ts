/**
 * `bfg archive --from redis://… --to cassandra://…`: the archive worker as its own process (several
 * may run: each is a consumer of the queue's group, named by --name). It serves /metrics and /health
 * on --metrics-port, and stops on SIGTERM after the batch in hand (what it has not acknowledged is
 * read again by the next worker).
 */
import { createServer } from 'node:http';
import type { Argv } from 'yargs';
import { Registry } from 'prom-client';
import { BfgError } from '../../protocol/index.js';
import { openRedis } from '../redis/connect.js';
import { ArchiveTier } from './tier.js';
import { parseCassandraUrl } from './cold.js';

export interface ArchiveArgs { from: string; to: string; name: string; batch: number; replication: number; 'metrics-port'?: number }

/** Declares the archive flags. */
export function archiveFlags(y: Argv) {
  return y
    .option('from', { type: 'string', demandOption: true, describe: 'the Redis the gateways store in (redis://host:port): its bfg:archive stream is the queue' })
    .option('to', { type: 'string', demandOption: true, describe: 'Cassandra: cassandra://HOST:PORT[,HOST:PORT][/keyspace]' })
    .option('name', { type: 'string', default: 'archive-1', describe: 'this worker in the queue\'s consumer group (one name per worker; a restarted worker takes its own pending entries back)' })
    .option('batch', { type: 'number', default: 500, describe: 'messages per read and per Cassandra write batch' })
    .option('replication', { type: 'number', default: 1, describe: 'replication factor of the keyspace when the worker creates it' })
    .option('metrics-port', { type: 'number', describe: 'serve /metrics and /health on 127.0.0.1 at this port' }) as unknown as Argv<ArchiveArgs>;
}

/** Runs the worker until SIGTERM or SIGINT. */
export async function archive(a: ArchiveArgs): Promise<void> {
  const problems: string[] = [];
  if (!/^rediss?:\/\//.test(a.from)) problems.push(`--from ${a.from} is not a redis:// URL`);
  try { parseCassandraUrl(a.to); } catch (err) { problems.push((err as Error).message); }
  if (!Number.isSafeInteger(a.batch) || a.batch < 1) problems.push(`--batch ${a.batch} must be a positive integer`);
  if (!/^[\w.-]{1,64}$/.test(a.name)) problems.push(`--name ${a.name} must be 1-64 letters, digits, _ . -`);
  if (problems.length) throw new BfgError('bad_option', problems.join('; '));
  const cmd = await openRedis(a.from, `bfg-archive-${a.name}`);
  const reader = await openRedis(a.from, `bfg-archive-${a.name}-reader`);
  const tier = await ArchiveTier.open(a.to, cmd, reader, { node: a.name.replace(/^archive-/, ''), replication: a.replication, batch: a.batch });
  const registry = new Registry();
  tier.register(registry);
  const http = a['metrics-port'] === undefined ? undefined : createServer((req, res) => {
    if (req.url === '/metrics') void registry.metrics().then((t) => { res.writeHead(200, { 'content-type': registry.contentType }); res.end(t); });
    else if (req.url === '/health') {
      const state = tier.state();
      res.writeHead(state === 'down' ? 503 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: state, lag_messages: tier.lag().messages, lag_s: tier.lag().seconds, written: tier.worker?.written ?? 0 }));
    } else { res.writeHead(404); res.end(); }
  }).listen(a['metrics-port'], '127.0.0.1');
  console.log(`bfg archive: ${a.name} moving ${a.from} bfg:archive to ${a.to}${http ? ` (metrics on 127.0.0.1:${a['metrics-port']})` : ''}`);
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      console.log(`bfg archive: ${sig}: stopping after the batch in hand (written ${tier.worker?.written ?? 0})`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  http?.close();
  await tier.close();
  cmd.disconnect();
  process.exit(0);
}
