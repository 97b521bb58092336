/**
 * The agent's sockets: what each lean socket reports (open, a message, a close, a protocol error),
 * counted, handed to the protocol adapter, and, after a close, the redial by the scenario's policy.
 */
import type { LeanHandler, LeanSocket } from '../client/lean-socket.js';
import { nowMs } from '../measure/clock.js';
import type { Measurements } from '../measure/measurements.js';
import type { StampLedger } from '../measure/stamp-ledger.js';
import type { Adapter } from '../protocols/index.js';
import type { Dialer } from './dialer.js';
import type { AgentPlan } from './plan.js';
import type { AgentStats } from './result.js';
import type { Scheduler } from './scheduler.js';
import type { Vu } from './vu.js';

/** What the connections need from the agent. */
export interface ConnectionPorts {
  readonly plan: AgentPlan;
  readonly vus: readonly Vu[];
  readonly stats: AgentStats;
  readonly m: Measurements;
  /** a send due between two reads goes out between them */
  readonly sched: Pick<Scheduler, 'poll'>;
}

export class Connections implements LeanHandler {
  /** sockets open now */
  connected = 0;
  /** closes with 1013 (the gateway refused: overloaded) */
  rejected = 0;
  /** after the end of traffic: nothing redials */
  stopped = false;
  /** set once built (they need this handler) */
  proto!: Adapter;
  stamps: StampLedger | null = null;
  dialer!: Dialer;

  constructor(private readonly p: ConnectionPorts) {}

  /** largest message a socket reassembles */
  get maxMessageBytes(): number {
    return this.p.plan.scenario.max_message_bytes;
  }

  vuOf(s: LeanSocket): Vu {
    return this.p.vus[s.owner - this.p.plan.first];
  }

  open(s: LeanSocket): void {
    const vu = this.vuOf(s);
    if (vu.sock !== s) return;
    const stats = this.p.stats;
    vu.state = 'open';
    vu.isOpen = true;
    vu.openedAt = nowMs();
    this.connected++;
    stats.connects++;
    if (vu.everOpened) stats.reconnects++;
    vu.everOpened = true;
    vu.attempts = 0;
    stats.peak_connections = Math.max(stats.peak_connections, this.connected);
    this.proto.opened(vu);
  }

  frame(s: LeanSocket, payload: Buffer, binary: boolean, at: number): void {
    this.proto.frame(this.vuOf(s), payload, binary, at);
  }

  /** the time from a read's timestamp to the end of handling its bytes */
  afterRead(readAt: number): void {
    this.p.m.processed(nowMs() - readAt);
    this.p.sched.poll();
  }

  /** a server frame broke RFC 6455: the socket closed itself with `code`; counted by code */
  protocolError(_s: LeanSocket, code: number): void {
    const k = `ws_protocol_${code}`, errors = this.p.stats.errors;
    errors[k] = (errors[k] ?? 0) + 1;
  }

  /**
   * Gives up every handshake older than `timeoutMs` (one pass over the users, from the agent's one
   * sweep: no timer per socket). A gateway that takes connections and never answers the upgrade is
   * then seen, as connect errors by cause, not as a run with no connects and no errors.
   */
  sweepHandshakes(now: number, timeoutMs: number, why = 'timeout'): void {
    const stats = this.p.stats;
    for (const vu of this.p.vus) {
      if (vu.state === 'connecting' && vu.sock && !vu.isOpen && now - vu.dialedAt >= timeoutMs) {
        vu.sock.lost(`handshake ${why}: no answer within ${Math.round(now - vu.dialedAt)} ms`);
      } else if (vu.isOpen && vu.sock && vu.readyAt < vu.openedAt && now - vu.openedAt >= timeoutMs) {
        // the WebSocket opened but the protocol's own handshake (connection_ack, CONNACK…) never finished
        stats.handshake_failed = (stats.handshake_failed ?? 0) + 1;
        vu.sock.close(1000);
      }
    }
  }

  close(s: LeanSocket, code: number, reason: string): void {
    const vu = this.vuOf(s);
    if (vu.sock !== s) return;
    const stats = this.p.stats;
    vu.sock = null;
    const wasOpen = vu.isOpen;
    vu.isOpen = false;
    stats.closes[code] = (stats.closes[code] ?? 0) + 1;
    if (reason) (stats.close_reasons ??= {})[code] ??= reason.slice(0, 80);
    if (code === 4008) stats.slow_closed++;
    if (code === 1013) this.rejected++;
    if (wasOpen) this.connected--;
    this.proto.closed(vu);
    if (this.stamps) {
      const sender = (id: number) => this.p.vus[id - this.p.plan.first];
      // unacknowledged writes of a dropped sender may never have reached the server: not expected
      for (let n = vu.ackedN + 1; vu.ackedN > 0 && n <= vu.sentN; n++) this.stamps.uncertain(vu, n);
      if (!this.proto.guarantees.recovery) this.stamps.interrupt(vu, sender);
    }
    if (!vu.everOpened || vu.state === 'connecting') {
      stats.connect_errors++;
      // by cause (ECONNRESET, ECONNREFUSED, ETIMEDOUT, an HTTP status, a close code…), so a failed ramp says why
      const k = `connect_${/^handshake (timeout|pending_at_end)/.exec(reason)?.[1] ?? /\bsubprotocol\b/.exec(reason)?.[0] ?? /\bE[A-Z]+\b/.exec(reason)?.[0] ?? /HTTP (\d{3})/.exec(reason)?.[0].replace(' ', '_') ?? code}`;
      stats.errors[k] = (stats.errors[k] ?? 0) + 1;
    }
    if (vu.state === 'offline' || vu.state === 'retired' || this.stopped) return;
    this.dialer.retry(vu);
  }
}
