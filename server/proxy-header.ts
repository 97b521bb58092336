/**
 * The PROXY protocol (v2, and v1 text) that an L4 balancer such as HAProxy (`send-proxy-v2`) writes
 * before a connection's first byte, so the gateway sees the client's address, not the balancer's:
 * per-IP caps and logs then count clients. With `--proxy-protocol` every connection must start with
 * one (a client that could skip it could choose its own address), within the handshake timeout; a
 * LOCAL command (the balancer's own health check) keeps the socket's address. Parsing is
 * proxy-protocol-js; this file only finds where the header ends.
 */
import type { Socket } from 'node:net';
import pp from 'proxy-protocol-js';

const V2_SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
const V1_PREFIX = Buffer.from('PROXY ');
/** v1's longest line (the spec's 107 bytes); v2: 16 bytes and its addresses and TLVs, which HAProxy keeps small */
const MAX_V1 = 107, MAX_V2 = 16 + 1024;

/** the client addresses PROXY headers gave, by socket (a WeakMap: nothing to clean up) */
const clients = new WeakMap<Socket, string>();

/** The client's address: from its PROXY header when one was read, else the socket's peer. */
export function clientAddress(s: Socket): string {
  return clients.get(s) ?? s.remoteAddress ?? '';
}

/** an IPv6 address from its 16 bytes, as Node prints one (no zero compression needed for comparison) */
function ipv6(bytes: readonly number[]): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups.join(':');
}

type Parsed = { end: number; address: string | undefined } | { error: string } | undefined;

/** where the header in `b` ends and the address it names; undefined while more bytes are needed */
export function parseProxyHeader(b: Buffer): Parsed {
  const n = Math.min(b.length, 12);
  if (b.subarray(0, n).equals(V2_SIGNATURE.subarray(0, n))) {
    if (b.length < 16) return undefined;
    const end = 16 + b.readUInt16BE(14);
    if (end > MAX_V2) return { error: `PROXY v2 header of ${end} bytes (at most ${MAX_V2})` };
    if (b.length < end) return undefined;
    try {
      const h = pp.V2ProxyProtocol.parse(b.subarray(0, end));
      if (h.command === pp.Command.LOCAL) return { end, address: undefined };
      const a = h.proxyAddress;
      if (a instanceof pp.IPv4ProxyAddress) return { end, address: a.sourceAddress.address.join('.') };
      if (a instanceof pp.IPv6ProxyAddress) return { end, address: ipv6(a.sourceAddress.address as unknown as number[]) };
      return { end, address: undefined }; // UNSPEC or a Unix socket: no IP to count by
    } catch (err) {
      return { error: `bad PROXY v2 header: ${(err as Error).message}` };
    }
  }
  const m = Math.min(b.length, V1_PREFIX.length);
  if (b.subarray(0, m).equals(V1_PREFIX.subarray(0, m))) {
    const eol = b.indexOf('\r\n');
    if (eol < 0) return b.length >= MAX_V1 ? { error: `PROXY v1 line longer than ${MAX_V1} bytes` } : undefined;
    const line = b.toString('latin1', 0, eol + 2);
    if (line.startsWith('PROXY UNKNOWN')) return { end: eol + 2, address: undefined };
    try {
      return { end: eol + 2, address: pp.V1ProxyProtocol.parse(line).source.ipAddress };
    } catch (err) {
      return { error: `bad PROXY v1 line: ${(err as Error).message}` };
    }
  }
  return { error: 'the connection did not start with a PROXY protocol header (--proxy-protocol expects one from the balancer on every connection)' };
}

/**
 * Reads a PROXY header from a new socket, then hands the socket on with the bytes after the header
 * put back (`next`); a socket with a bad header, or none within `timeoutMs`, is destroyed (`refused`).
 */
export function readProxyHeader(sock: Socket, timeoutMs: number, next: (s: Socket) => void, refused: (why: string) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  const fail = (why: string): void => {
    cleanup();
    refused(why);
    sock.destroy();
  };
  const timer = setTimeout(() => fail(`no PROXY header within ${timeoutMs} ms`), timeoutMs);
  const onData = (d: Buffer): void => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    const r = parseProxyHeader(buf);
    if (!r) return;
    if ('error' in r) return fail(r.error);
    cleanup();
    if (r.address) clients.set(sock, r.address);
    // synchronous from here to the HTTP server's own listener: no chunk can be emitted in between
    if (buf.length > r.end) sock.unshift(buf.subarray(r.end));
    next(sock);
  };
  const cleanup = (): void => {
    clearTimeout(timer);
    sock.removeListener('data', onData);
    sock.removeListener('error', onError);
  };
  const onError = (): void => cleanup();
  sock.on('data', onData);
  sock.on('error', onError);
}
