/** Text tables for `bfg plan` and `bfg simulate`. */
import { PLAN_FIELDS, SLO_FIELDS, type PlanKey, type SloKey } from './inputs.js';
import type { Plan } from './plan.js';
import type { StormResult } from './storm/index.js';

const fmt = (v: number | string) => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : v);

/** The plan as a table: inputs with provenance, then figures with formulas. */
export function planTable(p: Plan): string {
  const lines = ['bfg plan — inputs (each measured or modeled)'];
  for (const k of Object.keys(PLAN_FIELDS) as PlanKey[]) {
    const src = p.sources[k];
    lines.push(`  ${k.padEnd(28)} ${fmt(p.inputs[k]).padStart(14)} ${PLAN_FIELDS[k].unit.padEnd(13)} ${src ? `measured: ${src.note}` : 'modeled (default or given)'}`);
  }
  for (const k of Object.keys(SLO_FIELDS) as SloKey[]) {
    const v = p.inputs[k];
    if (v !== undefined) lines.push(`  ${k.padEnd(28)} ${fmt(v).padStart(14)} ${SLO_FIELDS[k].unit.padEnd(13)} measured: ${p.sources[k]?.note ?? 'given'}`);
  }
  lines.push(`  ${'policy'.padEnd(28)} ${p.inputs.policy.padStart(14)}`);
  lines.push('figures (modeled from the inputs above)');
  for (const f of p.figures) lines.push(`  ${f.name.padEnd(62)} ${fmt(f.value).padStart(14)} ${f.unit.padEnd(12)} ${f.formula}`);
  lines.push(`binding: connections by ${p.binding.connections}; bus by ${p.binding.bus}; servers by ${p.binding.servers}${p.binding.cold ? `; Cassandra nodes by ${p.binding.cold}` : ''}`);
  return lines.join('\n');
}

/** A storm result as a summary and a per-second table. */
export function stormTable(r: StormResult): string {
  const i = r.input, s = r.summary;
  const lines = [
    `bfg simulate storm — ${r.engine} engine (modeled): ${fmt(i.clients)} clients on ${i.servers} servers, ${i.kill} killed at ${i.atS} s, policy ${i.policy} (base ${i.baseMs} ms, cap ${i.capMs} ms), accept ${fmt(i.acceptRatePerServer)}/s per server`,
    `  dropped ${fmt(s.dropped)}; peak arrivals ${fmt(Math.round(s.peakArrivalsPerSec))}/s; time to 99% reconnected ${s.timeTo99S ?? `not within ${i.horizonS} s`}${s.timeTo99S !== null ? ' s' : ''}; rejected attempts ${fmt(Math.round(s.totalRejected))}`,
  ];
  if (s.reconnectS) lines.push(`  per-client reconnect time (s): p50 ${s.reconnectS.p50}, p90 ${s.reconnectS.p90}, p99 ${s.reconnectS.p99}, max ${Math.round(s.reconnectS.max * 1000) / 1000}`);
  lines.push('  second  connected     arriving      rejected');
  const c = r.curves;
  const last = Math.min(c.connected.length, Math.ceil(i.atS + (s.timeTo99S ?? i.horizonS)) + 2);
  for (let t = 0; t < last; t++) lines.push(`  ${String(t + 1).padStart(6)}  ${fmt(Math.round(c.connected[t])).padStart(12)}  ${fmt(Math.round(c.arriving[t])).padStart(12)}  ${fmt(Math.round(c.rejected[t])).padStart(12)}`);
  return lines.join('\n');
}
