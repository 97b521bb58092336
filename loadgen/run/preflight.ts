/** Checks before a run: is the target allowed, and can this machine hold the planned sockets? */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { BfgError } from '../../protocol/index.js';

const FD_MARGIN = 256;
export const SOCKET_BYTES_PLANNED = 3 * 1024;

/** The soft limit on open files of this process (what `ulimit -n` says). */
export function fdLimit(): number {
  try {
    const m = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) return Number(m[1]);
  } catch { /* not Linux */ }
  return 1024;
}

function portRange(): number {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return hi - lo + 1;
  } catch {
    return 28_232;
  }
}

const PRIVATE = [/^127\./, /^10\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^localhost$/i, /^\[?::1\]?$/, /^\[?f[cd][0-9a-f]{2}:/i];

/** Refuses a target outside loopback and private ranges unless allowed. */
export function checkTarget(target: string, allowRemote: boolean): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new BfgError('bad_option', `target "${target}" is not a URL; expected ws://host:port`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new BfgError('bad_option', `target "${target}" must start with ws:// or wss://`);
  if (!allowRemote && !PRIVATE.some((re) => re.test(url.hostname))) {
    throw new BfgError('bad_option', `target ${url.hostname} is not a loopback or private address; a load test must not hit a public host by accident: pass --allow-remote if you mean it`);
  }
  return url;
}

/** Default source addresses: 127.0.0.2..127.0.0.51 for a loopback target, none otherwise. */
export function defaultAddresses(url: URL): string[] {
  return /^127\./.test(url.hostname) || url.hostname === 'localhost' ? Array.from({ length: 50 }, (_, i) => `127.0.0.${i + 2}`) : [];
}

export interface Capacity { agents: number; perAgent: number; warnings: string[] }

/** Agents needed and warnings for the fd limit, the port range and memory. */
export function plan(users: number, requestedAgents: number, addresses: number): Capacity {
  const perAgentMax = Math.max(1, fdLimit() - FD_MARGIN);
  const needed = Math.ceil(users / perAgentMax);
  const agents = Math.max(requestedAgents || 1, needed);
  const warnings: string[] = [];
  if (requestedAgents && requestedAgents < needed) {
    warnings.push(`agents: ${requestedAgents} cannot hold ${users} sockets with an fd limit of ${fdLimit()}; using ${needed} agents`);
  }
  const ports = portRange() * Math.max(1, addresses);
  if (users > ports) warnings.push(`ports: ${users} sockets exceed ${ports} (source port range x ${Math.max(1, addresses)} source addresses); add addresses (--set addresses=[...])`);
  const mem = users * SOCKET_BYTES_PLANNED;
  if (mem > os.freemem() * 0.8) warnings.push(`memory: ${users} sockets need about ${(mem / 2 ** 30).toFixed(1)} GiB (modeled at 3 KiB each), more than 80% of free memory`);
  return { agents, perAgent: Math.ceil(users / agents), warnings };
}
