/**
 * What ended the connections, and the verdicts no threshold can overrule: a run in which no
 * connection ever opened, or in which nothing was delivered although messages were sent, measured
 * nothing about the gateway and fails whatever its thresholds say.
 */
import type { AgentStats } from '../agent/result.js';
import type { LedgerCounts } from '../measure/ledger.js';
import type { Scenario } from '../scenario/scenario.js';

const count = (n: number) => n.toLocaleString('en-US');

/** the connect errors by cause, most frequent first: "connect_ECONNREFUSED ×12, connect_timeout ×3" */
export function connectCauses(st: AgentStats, top = 6): string {
  return Object.entries(st.errors).filter(([k]) => k.startsWith('connect_')).sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([k, v]) => `${k} ×${count(v)}`).join(', ');
}

/** the closes by code and the reason first seen with it, most frequent first: "4401 Unauthorized ×11,958" */
export function closeCauses(st: AgentStats, top = 6): string {
  return Object.entries(st.closes).sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([code, v]) => `${code}${st.close_reasons?.[code] ? ` ${st.close_reasons[code]}` : ''} ×${count(v)}`).join('; ');
}

/** true when some user has someone to deliver to: a room of two or more, or DMs */
function hasRecipients(s: Readonly<Scenario>): boolean {
  const sizes = s.rooms.sizes?.map((x) => x.size) ?? [s.rooms.zipf ? s.rooms.zipf.max : s.rooms.size];
  return sizes.some((g) => g > 1) || s.dm.rate_per_user > 0;
}

/** true when the scenario sends at all (a room rate, a class's rate, or DMs) */
function sends(s: Readonly<Scenario>): boolean {
  return s.messages.rate_per_room > 0 || s.dm.rate_per_user > 0 || (s.stages ?? []).some((g) => (g.rate_per_room ?? 0) > 0)
    || (s.classes ?? []).some((c) => c.msgs_per_min > 0);
}

/** Why the run fails whatever its thresholds (empty when it measured something). */
export function runFailures(s: Readonly<Scenario>, st: AgentStats, L: LedgerCounts): string[] {
  const out: string[] = [];
  const closes = closeCauses(st);
  if (s.users > 0 && st.connects === 0) {
    const causes = connectCauses(st);
    out.push(`no connection opened (${count(st.connect_errors)} attempts failed${causes ? `: ${causes}` : ''}${closes ? `; closes: ${closes}` : ''})`);
  } else if (sends(s) && hasRecipients(s) && L.delivered + L.backfilled === 0) {
    out.push(`nothing was delivered (${count(st.sent)} messages sent, ${count(st.acked)} acked${closes ? `; closes: ${closes}` : ''})`);
  }
  return out;
}
