/** The faults a scenario plants on schedule: a reconnect storm, users going offline, slow readers. */
import type { AgentPlan } from './plan.js';
import type { AgentStats } from './result.js';
import type { Vu } from './vu.js';

export interface FaultPorts {
  readonly plan: AgentPlan;
  readonly vus: readonly Vu[];
  readonly stats: AgentStats;
  connect(vu: Vu): void;
}

/** `pct`% of the open users, picked at random */
function pick(vus: readonly Vu[], pct: number): Vu[] {
  const open = vus.filter((v) => v.state === 'open');
  const n = Math.round((open.length * pct) / 100);
  for (let i = open.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [open[i], open[j]] = [open[j], open[i]];
  }
  return open.slice(0, n);
}

/** drops a share of the connections at once: by the client, or by the gateway's admin route */
export function storm(p: FaultPorts): void {
  const s = p.plan.scenario.storm;
  const victims = pick(p.vus, s.drop_pct);
  if (s.method === 'server-close' && p.plan.admin) {
    void fetch(`${p.plan.admin}?users=${encodeURIComponent(victims.map((v) => v.user).join(','))}`, { method: 'POST' })
      .catch(() => { p.stats.errors.admin_unreachable = 1; });
  } else for (const v of victims) v.sock?.destroy();
}

/** a share of the users close cleanly and come back after for_s */
export function offline(p: FaultPorts): void {
  const o = p.plan.scenario.offline;
  for (const v of pick(p.vus, o.pct)) {
    v.state = 'offline';
    v.sock?.close();
    setTimeout(() => p.connect(v), o.for_s * 1000);
  }
}

/** a share of the users stop reading for pause_ms */
export function slow(p: FaultPorts): void {
  const sl = p.plan.scenario.slow;
  for (const v of pick(p.vus, sl.pct)) {
    const sock = v.sock!;
    sock.pause(true);
    setTimeout(() => sock.pause(false), sl.pause_ms);
  }
}
