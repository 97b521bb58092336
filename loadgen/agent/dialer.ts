/**
 * Dialling: where each virtual user connects (a node of the fleet, a local source address), with what
 * token, and when it redials after a close (the scenario's backoff policy).
 */
import { signToken } from '../../protocol/index.js';
import { LeanSocket, type LeanHandler } from '../client/lean-socket.js';
import { backoffMs } from '../../common/backoff.js';
import { nowMs } from '../measure/clock.js';
import type { Adapter } from '../protocols/index.js';
import type { AgentPlan } from './plan.js';
import type { Vu } from './vu.js';

export class Dialer {
  private readonly tokens = new Map<number, string>();
  /** connections started since the last timeline bucket */
  arriving = 0;

  constructor(private readonly plan: AgentPlan, private readonly handler: LeanHandler, private readonly proto: Adapter, private readonly stopped: () => boolean) {}

  /** opens a socket for the user (signing its token first when the gateway needs one) */
  connect(vu: Vu): void {
    if (this.stopped()) return;
    vu.state = 'connecting';
    vu.joined = false;
    const token = this.tokens.get(vu.id);
    if (this.plan.jwtSecret && !token) {
      // sign once per user, then dial: the dial is counted when it happens
      void signToken(this.plan.jwtSecret, { sub: vu.user }).then((tk) => {
        this.tokens.set(vu.id, tk);
        this.connect(vu);
      });
      return;
    }
    this.arriving++;
    // first placement round-robin; a redial goes to a random node, as a load balancer would spread
    // the clients of a lost node over the survivors (a dead pick fails fast and backs off)
    const targets = this.plan.targets;
    const d = this.proto.dial(targets[vu.dials++ === 0 ? vu.id % targets.length : Math.floor(Math.random() * targets.length)], vu, token);
    const addr = this.plan.addresses.length ? this.plan.addresses[vu.id % this.plan.addresses.length] : undefined;
    vu.dialedAt = nowMs();
    vu.sock = new LeanSocket(this.handler, vu.id, d.url, d.subprotocol, addr, d.headers);
  }

  /** schedules a redial by the scenario's policy ('none': never) */
  retry(vu: Vu): void {
    const r = this.plan.scenario.reconnect;
    const backoff = backoffMs(r.policy, vu.attempts++, r.base_ms, r.cap_ms, vu.lastDelay);
    vu.lastDelay = backoff;
    if (!Number.isFinite(backoff)) return void (vu.state = 'down');
    // a draining server's retryAfterMs spreads its clients' return; the policy's backoff still applies when longer
    const delay = Math.max(backoff, vu.retryAfterMs);
    vu.retryAfterMs = 0;
    vu.state = 'backoff';
    setTimeout(() => vu.state === 'backoff' && this.connect(vu), delay);
  }
}
