/** Checks before a run: is the target allowed, and can this machine hold the planned sockets? */
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { fdLimit } from '../../common/fd.js';
import net from 'node:net';
import os from 'node:os';
import { BfgError } from '../../protocol/index.js';

const FD_MARGIN = 256;
export const SOCKET_BYTES_PLANNED = 3 * 1024;

export { fdLimit };

function portRange(): number {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return hi - lo + 1;
  } catch {
    return 28_232;
  }
}

/** Loopback and private ranges (RFC 1918, RFC 4193), and IPv4-mapped IPv6 forms of them. */
const LOCAL = new net.BlockList();
for (const [net4, bits] of [['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) {
  LOCAL.addSubnet(net4, bits, 'ipv4');
  LOCAL.addSubnet(`::ffff:${net4}`, 96 + bits, 'ipv6');
}
LOCAL.addAddress('::1', 'ipv6');
LOCAL.addSubnet('fc00::', 7, 'ipv6');

/** True when an IP address is loopback or private. */
export function isLocalAddress(ip: string): boolean {
  const family = net.isIP(ip);
  return family !== 0 && LOCAL.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Refuses a URL whose host is not loopback or private unless allowed. A name is resolved and every
 * address it has is checked: `127.evil.example` is a name like any other, not an address.
 */
export async function checkTarget(target: string, allowRemote: boolean, protocols: readonly string[] = ['ws:', 'wss:']): Promise<URL> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new BfgError('bad_option', `target "${target}" is not a URL; expected ws://host:port`);
  }
  if (!protocols.includes(url.protocol)) throw new BfgError('bad_option', `target "${target}" must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  if (allowRemote) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (net.isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true })).map((a) => a.address);
    } catch (err) {
      throw new BfgError('bad_option', `target ${host} cannot be resolved (${(err as Error).message}); a load test must not hit a public host by accident: use a loopback or private address, or pass --allow-remote if you mean it`);
    }
  }
  const outside = addresses.filter((a) => !isLocalAddress(a));
  if (outside.length) {
    throw new BfgError('bad_option', `target ${host} is not a loopback or private address (${outside.join(', ')}); a load test must not hit a public host by accident: pass --allow-remote if you mean it`);
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
