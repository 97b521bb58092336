/** `bfg plan` and `bfg simulate storm`: flags or a plan file -> calculators -> table and JSON. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import YAML from 'yaml';
import { BfgError } from '../protocol/index.js';
import type { RunResult } from '../loadgen/result.js';
import { calibrate, calibrateArchive, calibrateCapacity, type ArchiveBench } from './calibrate.js';
import type { CapacityResult } from '../loadgen/find/capacity.js';
import { PLAN_FIELDS, planInputs, type PlanKey } from './inputs.js';
import { makePlan } from './plan.js';
import { aggregateStorm, eventsStorm, POLICIES, STORM_DEFAULTS, type StormInput } from './storm/index.js';
import { planTable, stormTable } from './table.js';

const flag = (k: string) => k.replace(/_/g, '-');

/** Declares the plan flags: one per calculator input. */
export function planFlags(y: Argv) {
  let a = y.positional('file', { type: 'string', describe: 'a YAML plan file with the same inputs (snake_case); flags override it' });
  for (const [k, f] of Object.entries(PLAN_FIELDS)) a = a.option(flag(k), { type: 'number', describe: `${f.help} (${f.unit}; default ${f.d})` });
  return a
    .option('policy', { choices: POLICIES, describe: 'reconnect policy for the storm figures (default full-jitter)' })
    .option('from', { type: 'string', describe: 'a bfg load result, a bfg find capacity.json or bench/results/archive.json: its measured figures replace the modeled inputs' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON instead of the table' })
    .option('out', { type: 'string', describe: 'also write the plan JSON here' });
}

/** Runs `bfg plan`. */
export function plan(a: Record<string, unknown>): void {
  let given: Record<string, unknown> = {};
  if (typeof a.file === 'string') {
    try {
      given = YAML.parse(readFileSync(a.file, 'utf8')) ?? {};
    } catch (err) {
      throw new BfgError('bad_option', `${a.file}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  let sources = {};
  if (typeof a.from === 'string') {
    let r: RunResult | CapacityResult | ArchiveBench;
    try {
      r = JSON.parse(readFileSync(a.from, 'utf8'));
    } catch (err) {
      throw new BfgError('bad_option', `--from ${a.from}: ${(err as Error).message}`);
    }
    if (r.schema !== 'bfg.result.v1' && r.schema !== 'bfg.capacity.v1' && r.schema !== 'bfg.bench.v1') throw new BfgError('bad_option', `--from ${a.from}: neither a bfg load result, a bfg find capacity result nor a bench:archive result (schema ${(r as { schema?: string }).schema})`);
    const cal = r.schema === 'bfg.capacity.v1' ? calibrateCapacity(r, a.from) : r.schema === 'bfg.bench.v1' ? calibrateArchive(r, a.from) : calibrate(r, a.from);
    given = { ...given, ...cal.values };
    sources = cal.sources;
    for (const n of cal.notes) console.error(`bfg plan: ${n}`);
  }
  for (const k of Object.keys(PLAN_FIELDS) as PlanKey[]) if (a[flag(k)] !== undefined) given[k] = a[flag(k)];
  if (a.policy !== undefined) given.policy = a.policy;
  const p = makePlan(planInputs(given), sources);
  if (typeof a.out === 'string') writeFileSync(a.out, JSON.stringify(p, null, 1));
  console.log(a.json ? JSON.stringify(p, null, 1) : planTable(p));
}

/** Declares the simulate flags. */
export function simulateFlags(y: Argv) {
  const d = STORM_DEFAULTS;
  return y
    .positional('what', { choices: ['storm'] as const, demandOption: true, describe: 'what to simulate' })
    .option('clients', { type: 'number', demandOption: true, describe: 'clients connected before the failure (up to 10,000,000)' })
    .option('servers', { type: 'number', demandOption: true, describe: 'servers in the fleet' })
    .option('kill', { type: 'number', default: d.kill, describe: 'servers killed' })
    .option('at', { type: 'number', default: d.atS, describe: 'seconds into the simulation when they die' })
    .option('policy', { choices: POLICIES, default: d.policy, describe: 'reconnect policy' })
    .option('base-ms', { type: 'number', default: d.baseMs, describe: 'backoff base' })
    .option('cap-ms', { type: 'number', default: d.capMs, describe: 'backoff cap' })
    .option('accept-rate', { type: 'number', default: d.acceptRatePerServer, describe: 'connections one server accepts per second' })
    .option('conn-cap', { type: 'number', describe: 'connections one server holds at most (default: no cap)' })
    .option('horizon', { type: 'number', default: d.horizonS, describe: 'seconds simulated' })
    .option('engine', { choices: ['aggregate', 'events'] as const, default: 'aggregate', describe: 'aggregate (counts per time step) or events (one record per client)' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON (summary and curves)' });
}

/** Checks storm inputs, all problems at once. */
export function stormInput(a: Record<string, unknown>): StormInput {
  const i: StormInput = {
    ...STORM_DEFAULTS, clients: a.clients as number, servers: a.servers as number, kill: a.kill as number, atS: a.at as number,
    policy: a.policy as StormInput['policy'], baseMs: a['base-ms'] as number, capMs: a['cap-ms'] as number,
    acceptRatePerServer: a['accept-rate'] as number, connCapPerServer: (a['conn-cap'] as number | undefined) ?? Infinity, horizonS: a.horizon as number,
  };
  const errors: string[] = [];
  const pos = (name: string, v: number) => { if (!(v > 0) || !Number.isFinite(v)) errors.push(`--${name}: ${v} must be a positive number`); };
  pos('clients', i.clients); pos('servers', i.servers); pos('base-ms', i.baseMs); pos('cap-ms', i.capMs); pos('accept-rate', i.acceptRatePerServer); pos('horizon', i.horizonS);
  if (i.clients > 10_000_000) errors.push(`--clients: ${i.clients} is more than the simulator's 10,000,000`);
  if (!Number.isInteger(i.servers)) errors.push(`--servers: ${i.servers} must be a whole number`);
  if (!Number.isInteger(i.kill) || i.kill < 0 || i.kill >= i.servers) errors.push(`--kill: ${i.kill} must be a whole number from 0 to servers − 1 (${i.servers - 1})`);
  if (!(i.atS >= 0) || i.atS >= i.horizonS) errors.push(`--at: ${i.atS} must be within the horizon (0..${i.horizonS})`);
  if (i.connCapPerServer !== Infinity && !(i.connCapPerServer > 0)) errors.push(`--conn-cap: ${i.connCapPerServer} must be a positive number`);
  if (errors.length) throw new BfgError('bad_option', errors.join('; '));
  return i;
}

/** Runs `bfg simulate storm`. */
export function simulate(a: Record<string, unknown>): void {
  const i = stormInput(a);
  const r = a.engine === 'events' ? eventsStorm(i) : aggregateStorm(i);
  console.log(a.json ? JSON.stringify(r, (_k, v) => (v === Infinity ? 'Infinity' : v)) : stormTable(r));
}
