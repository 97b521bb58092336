/** The capacity result `bfg find` writes (schema `bfg.capacity.v1`), read by `bfg plan --from` and `bfg report`. */
import os from 'node:os';
import type { Scenario } from '../scenario/scenario.js';
import type { SearchResult, Stopped } from './search.js';
import type { Dimension, PerNode, Step } from './step.js';

export const CAPACITY_SCHEMA = 'bfg.capacity.v1';

/** a step as written: the varied dimension's value under its own name first */
export type CapacityStep = { [k in Dimension]?: number } & Omit<Step, 'generatorBound'> & { generator_bound: boolean };

export interface CapacityResult {
  schema: typeof CAPACITY_SCHEMA;
  scenario: Scenario; vary: Dimension; target: string; started_at: string;
  machine: { cpus: number; cpu_model: string; mem_gib: number; node: string };
  /** the SLO: the scenario's thresholds */
  slo: string[];
  search: { from: number; to: number; factor: number; tolerance: number; hold_s: number; warmup_s: number; min_samples: number; retries: number };
  steps: CapacityStep[];
  highest_ok?: CapacityStep;
  first_broken?: CapacityStep;
  /** knee: bracketed within tolerance; generator: a step was the generator's; max_reached: held at --to; first_step_broken */
  stopped: Stopped;
  /** what broke at the first broken step, or why the search stopped */
  why: string;
  /** per gateway node at the highest load that held: what `bfg plan --from` uses */
  knee_per_node?: PerNode & { measured_on: string };
}

const named = (dim: Dimension, value: number, s: Step): CapacityStep => {
  const { generatorBound, ...rest } = s;
  return { [dim]: value, ...rest, generator_bound: !!generatorBound } as CapacityStep;
};

/** Assembles the capacity result from a finished search. */
export function capacityResult(scenario: Scenario, vary: Dimension, target: string, started: string, search: CapacityResult['search'], res: SearchResult<Step>): CapacityResult {
  const m = { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model.trim() ?? 'unknown', mem_gib: Math.round(os.totalmem() / 2 ** 30), node: process.version };
  const hi = res.highestOk, fb = res.firstBroken;
  const last = res.steps[res.steps.length - 1];
  const why = res.stopped === 'generator' ? `stopped: the generator, not the gateway, decided step ${vary}=${last.value}: ${last.verdict.generator_why}`
    : res.stopped === 'max_reached' ? `every step held up to ${vary}=${hi?.value} (--to): the knee is beyond it`
      : fb ? `${vary}=${fb.value} broke: ${fb.verdict.broke.join('; ')}` : 'no step ran';
  return {
    schema: CAPACITY_SCHEMA, scenario, vary, target, started_at: started, machine: m, slo: scenario.thresholds.map((t) => t.expr), search,
    steps: res.steps.map((x) => named(vary, x.value, x.verdict)),
    highest_ok: hi && named(vary, hi.value, hi.verdict), first_broken: fb && named(vary, fb.value, fb.verdict),
    stopped: res.stopped, why,
    knee_per_node: hi && { ...hi.verdict.per_node, measured_on: `${m.cpus}x ${m.cpu_model}, ${m.mem_gib} GiB, node ${m.node}` },
  };
}

/** The live line printed after each step. */
export function stepLine(vary: Dimension, value: number, s: Step, attempt = 1): string {
  const verdict = s.generatorBound ? 'GENERATOR-BOUND' : s.ok ? 'held  ' : 'BROKE ';
  const pn = s.per_node;
  return `  ${`${vary}=${value}${attempt > 1 ? ` (try ${attempt})` : ''}`.padEnd(vary.length + 9)} ${verdict} p50 ${s.p50_ms} ms, p99 ${s.p99_ms} ms (${s.samples} samples), lost ${s.lost}, per node ${pn.connections} conns, ${pn.deliveries_per_s} deliveries/s`
    + `${pn.cpu_pct !== undefined ? `, CPU ${pn.cpu_pct}%` : ''}${s.broke.length ? ` — ${s.broke.join('; ')}` : ''}${s.generator_why ? ` — ${s.generator_why}` : ''}`;
}
