/**
 * What an agent host takes from its control stream. The stream lives in a shared Redis that anyone
 * with access can write to, so every entry is parsed once, inside a guard, and a plan is admitted
 * only when it is a plan `bfg load` itself would run (the same scenario schema), fits this host's
 * capacity and local limits, aims where this host's own rule allows, and signs tokens only with the
 * secret this host holds. A refusal names its reason; nothing an entry holds can stop the host.
 */
import { isPluginPath } from '../protocols/plugin.js';
import { BfgError } from '../../protocol/index.js';
import type { AgentPlan } from '../agent/plan.js';
import { checkTarget } from '../run/preflight.js';
import { parseScenario } from '../scenario/scenario.js';

/** What one host agrees to run. */
export interface HostLimits {
  /** users (sockets) at most */
  capacity: number;
  /** seconds of traffic at most */
  maxDurationS: number;
  /** messages per second this host sends at most (rooms × rate per room + DMs) */
  maxRate: number;
  /** bytes of one message body at most */
  maxBodyBytes: number;
  allowRemote?: boolean;
  jwtSecret?: string;
}

/** One control entry, read: a plan to run, an abort, or a refusal (with the run it names, when it names one). */
export type ControlEntry = { kind: 'plan'; plan: AgentPlan } | { kind: 'abort'; run: string } | { kind: 'refused'; run?: string; reason: string };

const RUN_ID = /^[0-9a-f]{1,32}$/;

/** Reads one control entry's fields; never throws. */
export async function readControl(fields: readonly string[], limits: HostLimits): Promise<ControlEntry> {
  const [kind, body] = fields;
  if (kind === 'abort') return typeof body === 'string' && RUN_ID.test(body) ? { kind: 'abort', run: body } : { kind: 'refused', reason: 'an abort must name a run id' };
  if (kind !== 'plan') return { kind: 'refused', reason: `unknown control entry "${String(kind).slice(0, 40)}" (expected plan or abort)` };
  let raw: unknown;
  try {
    raw = JSON.parse(String(body));
  } catch (err) {
    return { kind: 'refused', reason: `the plan is not JSON: ${(err as Error).message.slice(0, 120)}` };
  }
  const run = raw && typeof raw === 'object' && typeof (raw as { run?: unknown }).run === 'string' && RUN_ID.test((raw as { run: string }).run) ? (raw as { run: string }).run : undefined;
  try {
    return { kind: 'plan', plan: await admitPlan(raw, limits) };
  } catch (err) {
    return { kind: 'refused', run, reason: (err as Error).message };
  }
}

/** The plan as this host will run it, or a BfgError naming every reason it will not. */
export async function admitPlan(raw: unknown, limits: HostLimits): Promise<AgentPlan> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new BfgError('bad_scenario', 'a plan must be a JSON object');
  const p = raw as Record<string, unknown>;
  const problems: string[] = [];
  const int = (k: string, min: number) => (Number.isSafeInteger(p[k]) && (p[k] as number) >= min ? (p[k] as number) : (problems.push(`${k}: must be an integer >= ${min}`), NaN));
  const agent = int('agent', 0), first = int('first', 0), end = int('end', 0);
  if (typeof p.run !== 'string' || !RUN_ID.test(p.run)) problems.push('run: must be a run id of hex digits');
  if (typeof p.t0 !== 'number' || !Number.isFinite(p.t0)) problems.push('t0: must be a time in epoch ms');
  if (typeof p.target !== 'string') problems.push('target: must be a ws:// URL');
  if (!Array.isArray(p.targets) || !p.targets.every((t) => typeof t === 'string') || p.targets.length > 1000) problems.push('targets: must be a list of ws:// URLs');
  if (!Array.isArray(p.addresses) || !p.addresses.every((a) => typeof a === 'string') || p.addresses.length > 1000) problems.push('addresses: must be a list of local addresses');
  if (p.auth !== undefined && p.auth !== 'jwt') problems.push('auth: must be jwt when given');
  if (p.admin !== undefined && typeof p.admin !== 'string') problems.push('admin: must be a URL when given');
  // the scenario, through the same schema as bfg load (its thresholds back in the form a file writes)
  let scenario;
  try {
    const s = p.scenario as Record<string, unknown> | undefined;
    const thresholds = Array.isArray(s?.thresholds) ? s.thresholds.map((t) => (t && typeof t === 'object' ? { expr: (t as { expr?: unknown }).expr, abort: (t as { abort?: unknown }).abort } : t)) : s?.thresholds;
    scenario = parseScenario(s && typeof s === 'object' ? { ...s, thresholds } : s, 'plan.scenario');
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (Number.isFinite(first) && Number.isFinite(end)) {
    if (end <= first) problems.push(`first..end: ${first}..${end} holds no user`);
    else if (end - first > limits.capacity) problems.push(`${end - first} users: past this agent's --capacity ${limits.capacity}`);
    if (scenario && end > scenario.users) problems.push(`end: ${end} past the scenario's ${scenario.users} users`);
  }
  if (scenario) {
    // a plan from Redis must never name code for this host to import: plugins run in local agents only
    if (isPluginPath(scenario.protocol)) problems.push(`protocol ${scenario.protocol}: a plugin module runs only in bfg load's own agents, never from a plan in Redis`);
    if (scenario.duration_s > limits.maxDurationS) problems.push(`duration_s ${scenario.duration_s}: past this agent's --max-duration-s ${limits.maxDurationS}`);
    if (scenario.messages.body_bytes > limits.maxBodyBytes) problems.push(`messages.body_bytes ${scenario.messages.body_bytes}: past this agent's --max-body-bytes ${limits.maxBodyBytes}`);
    const users = Number.isFinite(end - first) ? end - first : 0;
    const rooms = Math.ceil(users / Math.max(1, scenario.rooms.size));
    const peakRate = Math.max(scenario.messages.rate_per_room, ...(scenario.stages ?? []).map((g) => g.rate_per_room ?? 0));
    const classRate = (scenario.classes ?? []).reduce((a, c) => a + (c.msgs_per_min / 60) * c.share * users, 0);
    const rate = rooms * peakRate + classRate + scenario.dm.rate_per_user * users;
    if (rate > limits.maxRate) problems.push(`${Math.round(rate)} messages per second: past this agent's --max-rate ${limits.maxRate}`);
  }
  if (problems.length) throw new BfgError('bad_scenario', `the plan is refused: ${problems.join('; ')}`);
  const plan = { ...(p as unknown as AgentPlan), scenario: scenario!, agent, first, end };
  for (const t of new Set([plan.target, ...plan.targets])) await checkTarget(String(t), !!limits.allowRemote);
  if (plan.admin !== undefined) await checkTarget(String(plan.admin), !!limits.allowRemote, ['http:', 'https:']);
  if (plan.auth === 'jwt' && !limits.jwtSecret) {
    throw new BfgError('bad_option', 'the gateway needs tokens and this agent holds no secret: start it with BFG_JWT_SECRET set');
  }
  return { ...plan, jwtSecret: plan.auth === 'jwt' ? limits.jwtSecret : undefined };
}
