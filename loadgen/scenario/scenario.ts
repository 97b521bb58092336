/** Loading a scenario: YAML, `--set` overrides, schema check reporting every bad field, then frozen. */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import YAML from 'yaml';
import { BfgError } from '../../protocol/index.js';
import { METRICS, scenarioSchema } from './schema.js';
import { compileTemplate, stagesLength, type GraphqlOptions, type MqttOptions, type NatsOptions, type StompOptions, type SocketIoOptions, type Stage, type TemplateOptions, type UserClass } from './config.js';

export type { SocketIoOptions, Stage, TemplateOptions, UserClass } from './config.js';

export type { Policy } from '../../common/backoff.js';
import type { Policy } from '../../common/backoff.js';
export interface Threshold { expr: string; metric: (typeof METRICS)[number]; op: string; value: number; abort: boolean }

export interface Scenario {
  name: string; description: string; target?: string; serve: { args: string[]; nodes: number; front: 'none' | 'haproxy' };
  users: number; stages?: Stage[]; agents: number; arrival_rate: number; duration_s: number; send_after_s?: number; drain_s: number; warmup_s: number;
  format: 'json' | 'msgpack' | 'proto';
  /** a built-in adapter, or a plugin module's path (./my-adapter.mjs) */
  protocol: 'bfg' | 'socketio' | 'template' | 'graphql-ws' | 'mqtt' | 'nats' | 'stomp' | (string & {}); plugin_options?: Record<string, unknown>;
  graphql: GraphqlOptions; mqtt: MqttOptions; nats: NatsOptions; stomp: StompOptions;
  socketio: SocketIoOptions; template?: TemplateOptions;
  max_message_bytes: number; connect_timeout_ms: number; addresses?: string[];
  process: 'uniform' | 'poisson'; timeline_ms: number;
  rooms: { size: number; sizes?: { size: number; share: number }[]; zipf?: { min: number; max: number; s: number }; per_user: number };
  classes?: UserClass[];
  messages: { rate_per_room: number; body_bytes: number }; dm: { rate_per_user: number };
  offline: { pct: number; at_s: number; for_s: number };
  storm: { drop_pct: number; at_s: number; method: 'client-drop' | 'server-close' | 'kill-node' | 'drain-node' };
  reconnect: { policy: Policy; base_ms: number; cap_ms: number };
  slow: { pct: number; at_s: number; pause_ms: number };
  http?: { at_s: number; duration_s: number; connections: number; limit: number };
  history?: { at_s: number; scrolls: number; rate_per_s: number; pages: number; limit: number };
  thresholds: Threshold[];
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const check = ajv.compile(scenarioSchema);

/** Keys that reach an object's prototype: refused in `--set` paths, their values and scenario files. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The path of the first unsafe key anywhere in a parsed value, or undefined. */
export function unsafeKey(v: unknown, at = ''): string | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  for (const k of Object.keys(v)) {
    if (UNSAFE_KEYS.has(k)) return `${at}/${k}`;
    const deeper = unsafeKey((v as Record<string, unknown>)[k], `${at}/${k}`);
    if (deeper) return deeper;
  }
  return undefined;
}

/** Applies `key.path=value` overrides; values are read as YAML scalars (numbers, booleans, lists). */
export function applySets(raw: Record<string, unknown>, sets: readonly string[]): void {
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq < 1) throw new BfgError('bad_option', `--set ${s}: expected key=value, e.g. --set rooms.size=50`);
    const path = s.slice(0, eq).split('.');
    const bad = path.find((k) => UNSAFE_KEYS.has(k));
    if (bad) throw new BfgError('bad_option', `--set ${s.slice(0, 80)}: "${bad}" is not a scenario field (it would reach the object's prototype)`);
    const value: unknown = YAML.parse(s.slice(eq + 1));
    const inValue = unsafeKey(value);
    if (inValue) throw new BfgError('bad_option', `--set ${s.slice(0, 80)}: the value holds the key ${inValue}, which is not a scenario field`);
    let o = raw;
    for (const k of path.slice(0, -1)) {
      if (o[k] === undefined) o[k] = {};
      if (typeof o[k] !== 'object' || o[k] === null) throw new BfgError('bad_option', `--set ${s}: ${k} is not an object`);
      o = o[k] as Record<string, unknown>;
    }
    o[path[path.length - 1]] = value;
  }
}

/** Validates a raw scenario object; throws one bad_scenario error listing every problem. */
export function parseScenario(raw: unknown, source = 'scenario'): Readonly<Scenario> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new BfgError('bad_scenario', `${source}: the file must hold a YAML mapping`);
  const errors: string[] = [];
  const givenDuration = 'duration_s' in raw;
  if (!check(raw)) {
    for (const e of check.errors ?? []) {
      if (e.keyword === 'anyOf') continue;
      const where = e.instancePath || '/';
      const extra = e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : '';
      errors.push(`${where}: ${e.message}${extra}`);
    }
  }
  const s = raw as Record<string, unknown>;
  errors.push(...stageProblems(s, givenDuration), ...mixProblems(s));
  const thresholds: Threshold[] = [];
  for (const [i, t] of ((s.thresholds as unknown[]) ?? []).entries()) {
    const expr = typeof t === 'string' ? t : (t as { expr?: string })?.expr;
    const m = typeof expr === 'string' ? /^\s*([a-z0-9_]+)\s*(<=|>=|==|!=|<|>)\s*(-?[0-9.]+)\s*$/.exec(expr) : null;
    if (!m || !(METRICS as readonly string[]).includes(m[1])) {
      errors.push(`/thresholds/${i}: "${expr}" is not "<metric> <op> <number>" with a metric of ${METRICS.join(', ')}`);
      continue;
    }
    thresholds.push({ expr: expr!.trim(), metric: m[1] as Threshold['metric'], op: m[2], value: Number(m[3]), abort: typeof t === 'object' && !!(t as { abort?: boolean }).abort });
  }
  errors.push(...protocolProblems(s));
  if (errors.length) throw new BfgError('bad_scenario', `${source}:\n  ${[...new Set(errors)].join('\n  ')}`);
  return deepFreeze({ ...(s as unknown as Scenario), thresholds });
}

/** A room-size distribution is one of sizes or zipf; classes replace the per-room rate. */
function mixProblems(s: Record<string, unknown>): string[] {
  const out: string[] = [];
  const rooms = (s.rooms ?? {}) as { sizes?: unknown; zipf?: { min: number; max: number }; per_user?: number };
  if (rooms.sizes && rooms.zipf) out.push('/rooms: give sizes or zipf, not both');
  if (rooms.zipf && rooms.zipf.min > rooms.zipf.max) out.push(`/rooms/zipf: min ${rooms.zipf.min} exceeds max ${rooms.zipf.max}`);
  const msgs = (s.messages ?? {}) as { rate_per_room?: number };
  if (s.classes && (msgs.rate_per_room ?? 0) > 0) out.push('/classes: user classes set the send rates; set messages.rate_per_room to 0 (or drop the classes)');
  if (s.classes && s.stages && (s.stages as Stage[]).some((g) => g.rate_per_room !== undefined)) out.push('/stages: a stage rate_per_room does not apply with user classes');
  if ((rooms.per_user ?? 1) > 1 && (s.protocol ?? 'bfg') !== 'bfg') out.push(`/rooms/per_user: users in several rooms need per-room seqs (protocol bfg); the stamp ledger of ${String(s.protocol)} counts per sender`);
  return out;
}

/** Stages fix the pool of users and the run's length; a flat scenario needs its users. */
function stageProblems(s: Record<string, unknown>, givenDuration: boolean): string[] {
  const stages = s.stages as Stage[] | undefined;
  if (!Array.isArray(stages)) return s.users === undefined ? ['/users: required (or give stages)'] : [];
  if (!stages.every((x) => x && typeof x.duration_s === 'number' && x.duration_s > 0)) return [];
  const peak = Math.max(0, ...stages.map((x) => x.users ?? 0));
  const out: string[] = [];
  if (peak < 1) out.push('/stages: no stage has users > 0');
  if (s.users === undefined) s.users = peak;
  else if ((s.users as number) < peak) out.push(`/users: ${s.users} is fewer than the largest stage (${peak}); leave it out, or make it at least ${peak}`);
  const total = stagesLength(stages);
  if (givenDuration && s.duration_s !== total) out.push(`/duration_s: ${s.duration_s} differs from the stages' total ${total} s; leave it out with stages`);
  s.duration_s = total;
  if (s.send_after_s === undefined) s.send_after_s = 0;
  return out;
}

/** What a protocol without server seqs, DMs or history cannot run, named field by field. */
function protocolProblems(s: Record<string, unknown>): string[] {
  const out: string[] = [];
  const proto = s.protocol ?? 'bfg';
  if (proto === 'bfg') return out;
  const get = (k: string, f: string) => (s[k] as Record<string, unknown> | undefined)?.[f];
  const why = `protocol ${String(proto)} has no`;
  if (Number(get('dm', 'rate_per_user') ?? 0) > 0) out.push(`/dm/rate_per_user: ${why} direct messages; set it to 0 or use protocol bfg`);
  if (s.format !== 'json') out.push(`/format: ${s.format} is one of BFG's binary subprotocols; ${String(proto)} speaks JSON`);
  if (s.http) out.push(`/http: ${why} history endpoint to load; remove the http phase`);
  if (s.history) out.push(`/history: ${why} history endpoint to scroll; remove the history phase`);
  if (get('storm', 'method') === 'server-close') out.push(`/storm/method: server-close uses bfg serve's admin route; use client-drop, kill-node or drain-node`);
  if (proto === 'template') {
    const t = s.template as Record<string, unknown> | undefined;
    if (!t) out.push('/template: protocol template needs a template block (path, join, publish, match); see scenarios/template-echo.yaml');
    else {
      const texts: [string, unknown][] = [['path', t.path], ['join', t.join], ['publish', t.publish], ...(Array.isArray(t.open) ? t.open.map((f, i) => [`open/${i}`, f] as [string, unknown]) : [])];
      for (const [k, v] of texts) {
        if (typeof v !== 'string') continue;
        try {
          compileTemplate(v);
        } catch (err) {
          out.push(`/template/${k}: ${(err as Error).message}`);
        }
      }
      if (typeof t.publish === 'string' && !/\{\{\s*stamp\s*\}\}/.test(t.publish)) out.push('/template/publish: must carry {{stamp}} (the ledger and latency read it back)');
    }
  }
  return out;
}

/** Reads, overrides and validates a scenario file. */
export function loadScenario(file: string, sets: readonly string[] = []): Readonly<Scenario> {
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BfgError('bad_scenario', `${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const inFile = unsafeKey(raw);
  if (inFile) throw new BfgError('bad_scenario', `${file}: the key ${inFile} is not a scenario field (it would reach the object's prototype)`);
  if (raw && typeof raw === 'object') applySets(raw as Record<string, unknown>, sets);
  return parseScenario(raw, file);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
