/**
 * The lean client's TCP connection. By default it is libuv's TCP handle itself (Node's `tcp_wrap`
 * binding) with no net.Socket around it: a net.Socket brings two stream states, buffer lists, an
 * event emitter and its listeners, several times the bare handle's memory per idle connection
 * (`bench:loadgen` in docs/benchmarks.md). Falls back to net.Socket where the binding is
 * missing, for host names (the handle dials IP literals only), or with BFG_TCP=net.
 * Reads are handed over one at a time and synchronously; nothing here keeps a per-socket closure.
 * Every raw connection of the process reads into one shared buffer (libuv's `useUserBuffer`): by
 * default Node allocates 64 KiB per read and shrinks it, which an idle agent pays for each 2-byte ping,
 * and that malloc and free are most of an idle agent's work. So a read's bytes are valid only
 * during `WireOwner.bytes`: an owner copies what it keeps.
 */
import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { nodeBinding } from '../../common/binding.js';
import { HandleWriter, type WritableHandle } from '../../common/handle-write.js';

/** what the connection reports to its one owner */
export interface WireOwner {
  /** the TCP connection is up: writes go out from here on */
  connected(): void;
  /** one read's bytes, valid only during the call (the buffer is reused by the next read): copy what you keep */
  bytes(data: Buffer): void;
  /** the connection is gone (peer's FIN, reset, refused, timed out): `reason` names the errno */
  lost(reason: string): void;
}

/** a TCP connection as the lean client needs it */
export interface Wire {
  write(data: Buffer | string): void;
  /** our FIN after what was written; the handle closes when the peer's FIN comes (or on destroy) */
  end(): void;
  destroy(): void;
  pause(on: boolean): void;
}

const tcp = nodeBinding('tcp_wrap');
const stream = tcp && nodeBinding('stream_wrap');
const RAW = Boolean(tcp?.TCP && stream?.WriteWrap && stream.streamBaseState);

interface Handle extends WritableHandle {
  owner: WireOwner;
  /** closed by us or lost: nothing more is written or reported */
  gone?: boolean;
  onread(ab: ArrayBuffer): void;
  readStart(): number;
  readStop(): number;
  useUserBuffer?(b: Uint8Array): void;
  close(): void;
  setNoDelay(on: boolean): number;
  shutdown(req: unknown): number;
  bind(ip: string, port: number): number;
  bind6(ip: string, port: number, flags: number): number;
  connect(req: unknown, ip: string, port: number): number;
  connect6(req: unknown, ip: string, port: number): number;
}

/** the one read buffer of every raw connection here (reads are handed over synchronously, one at a time) */
const READ = RAW ? Buffer.allocUnsafe(64 * 1024) : undefined;

/** 'raw' when connections to an IP literal use the bare handle in this process */
export const transport: 'raw' | 'net' = RAW ? 'raw' : 'net';

/** opens a connection to host:port, from localAddress when given */
export function dial(owner: WireOwner, host: string, port: number, localAddress?: string, kind: 'raw' | 'net' = transport): Wire {
  const ip = net.isIP(host);
  if (kind === 'raw' && RAW && ip && (!localAddress || net.isIP(localAddress) === ip)) return new RawWire(owner, host, ip, port, localAddress);
  return new NetWire(owner, host, port, localAddress);
}

const errname = (status: number): string => {
  try {
    return getSystemErrorName(status);
  } catch {
    return `errno ${status}`;
  }
};
const noop = (): void => {};
/**
 * Closes the handle and reports why, once. `later` reports on the next tick: for a failure found
 * inside a write, a dial or a destroy, when the owner may be mid-parse.
 */
function lose(h: Handle, reason: string, later = false): void {
  if (h.gone) return;
  h.gone = true;
  h.close();
  if (later) process.nextTick(report, h, reason);
  else h.owner.lost(reason);
}
function report(h: Handle, reason: string): void {
  h.owner.lost(reason);
}

class RawWire implements Wire {
  private readonly h: Handle;

  constructor(owner: WireOwner, host: string, family: number, port: number, localAddress?: string) {
    const h = (this.h = new tcp.TCP(tcp.constants.SOCKET) as Handle);
    h.owner = owner;
    const req = new tcp.TCPConnectWrap();
    req.oncomplete = afterConnect;
    const err = (localAddress ? (family === 6 ? h.bind6(localAddress, 0, 0) : h.bind(localAddress, 0)) : 0)
      || (family === 6 ? h.connect6(req, host, port) : h.connect(req, host, port));
    if (err) lose(h, `connect ${errname(err)}`, true);
  }

  write(data: Buffer | string): void {
    if (this.h.gone) return;
    const err = writer.write(this.h, typeof data === 'string' ? Buffer.from(data) : data, this.h);
    if (err < 0) lose(this.h, `write ${errname(err)}`, true);
  }

  end(): void {
    if (this.h.gone) return;
    const req = new stream.ShutdownWrap();
    req.oncomplete = noop;
    this.h.shutdown(req);
  }

  /** closes now; the owner hears 'connection ended' a tick later, as from net.Socket's 'close' */
  destroy(): void {
    lose(this.h, 'connection ended', true);
  }

  pause(on: boolean): void {
    if (!this.h.gone) void (on ? this.h.readStop() : this.h.readStart());
  }
}

function afterConnect(status: number, h: Handle): void {
  if (status < 0) return lose(h, `connect ${errname(status)}`);
  h.setNoDelay(true);
  if (READ && h.useUserBuffer) h.useUserBuffer(READ);
  h.onread = onRead;
  h.readStart();
  h.owner.connected();
}

/** a read: into the shared buffer (no ArrayBuffer comes then), or, where the handle had none, into one Node allocated */
function onRead(this: Handle, ab: ArrayBuffer | undefined): void {
  const n = stream.streamBaseState[stream.kReadBytesOrError];
  if (n > 0) return this.owner.bytes(ab ? Buffer.from(ab, stream.streamBaseState[stream.kArrayBufferOffset], n) : READ!.subarray(0, n));
  if (n < 0) lose(this, n === -4095 || errname(n) === 'EOF' ? 'connection ended' : `read ${errname(n)}`);
}

/** a write libuv kept has completed: a failure loses the connection */
const writer = new HandleWriter<Handle>((h, status) => {
  if (status < 0) lose(h, `write ${errname(status)}`);
});

type OwnedSocket = net.Socket & { owner: WireOwner; gone?: boolean };

/** the same connection on a net.Socket (host names, no binding, BFG_TCP=net) */
class NetWire implements Wire {
  private readonly sock: OwnedSocket;

  constructor(owner: WireOwner, host: string, port: number, localAddress?: string) {
    this.sock = net.connect({ host, port, localAddress, noDelay: true }) as OwnedSocket;
    this.sock.owner = owner;
    this.sock.on('connect', onNetConnect);
    this.sock.on('data', onNetData);
    this.sock.on('error', onNetError);
    this.sock.on('close', onNetClose);
  }

  write(data: Buffer | string): void {
    if (!this.sock.destroyed) this.sock.write(data);
  }

  end(): void {
    this.sock.end();
  }

  destroy(): void {
    this.sock.destroy();
  }

  pause(on: boolean): void {
    if (on) this.sock.pause();
    else this.sock.resume();
  }
}

function onNetConnect(this: OwnedSocket): void {
  this.owner.connected();
}
function onNetData(this: OwnedSocket, d: Buffer): void {
  this.owner.bytes(d);
}
// an error is followed by 'close': the owner hears the first, once
function onNetError(this: OwnedSocket, err: Error): void {
  netLost(this, err.message);
}
function onNetClose(this: OwnedSocket): void {
  netLost(this, 'connection ended');
}
function netLost(s: OwnedSocket, reason: string): void {
  if (s.gone) return;
  s.gone = true;
  s.owner.lost(reason);
}
