/** `bfg report`: result (+ plan, + baseline) -> report files; exit 1 when the baseline shows a regression. */
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { BfgError } from '../protocol/index.js';
import type { RunResult } from '../loadgen/result.js';
import type { Plan } from '../calculators/plan.js';
import { writeReport } from './report.js';
import { labelOf, writeComparison } from './compare.js';
import { writeCapacityReport } from './capacity.js';
import type { CapacityResult } from '../loadgen/find/capacity.js';

/** Declares the report flags. */
export function reportFlags(y: Argv) {
  return y
    .positional('result', { type: 'string', demandOption: true, describe: 'a bfg load result JSON, or a bfg find capacity.json (the knee)' })
    .positional('more', { type: 'string', array: true, describe: 'more results of the same scenario: a side-by-side report (tables and overlaid charts)' })
    .option('plan', { type: 'string', describe: 'a bfg plan JSON (bfg plan --out) for the sizing figures and curves' })
    .option('baseline', { type: 'string', describe: 'an older result to compare against' })
    .option('tolerance', { type: 'number', default: 10, describe: 'percent change tolerated before a metric counts as regressed' })
    .option('out', { type: 'string', demandOption: true, describe: 'folder for report.md, report.html and charts/' });
}

function readJson<T>(file: string, schema: string | undefined, what: string): T {
  let v: { schema?: string };
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BfgError('bad_option', `${what} ${file}: ${(err as Error).message}`);
  }
  if (schema !== undefined && v.schema !== schema) throw new BfgError('bad_option', `${what} ${file}: expected schema ${schema}, found ${v.schema ?? 'none'}`);
  return v as T;
}

/** Runs `bfg report`; resolves with the exit code. */
export async function report(a: Awaited<ReturnType<typeof reportFlags>['argv']>): Promise<number> {
  const first = readJson<{ schema?: string }>(a.result as string, undefined, 'result');
  if (first.schema === 'bfg.capacity.v1') {
    if (a.baseline || (a as { more?: string[] }).more?.length) throw new BfgError('bad_option', 'a capacity search report (capacity.json) takes --plan only, no --baseline or more results');
    const plan = a.plan ? readJson<Plan>(a.plan, 'bfg.plan.v1', '--plan') : undefined;
    const w = await writeCapacityReport(first as CapacityResult, { plan, out: a.out });
    console.log(`bfg report: capacity search: wrote ${w.md}, ${w.html} and ${w.charts.length} charts`);
    return 0;
  }
  const r = readJson<RunResult>(a.result as string, 'bfg.result.v1', 'result');
  const more = ((a as { more?: string[] }).more ?? []).map(String);
  if (more.length) {
    if (a.plan || a.baseline) throw new BfgError('bad_option', '--plan and --baseline go with one result; a side-by-side report (several results) takes neither');
    const files = [a.result as string, ...more];
    const runs = files.map((f, i) => {
      const x = i === 0 ? r : readJson<RunResult>(f, 'bfg.result.v1', 'result');
      return { r: x, label: labelOf(x, f) };
    });
    const w = await writeComparison(runs, a.out);
    console.log(`bfg report: ${runs.length} runs side by side: wrote ${w.md}, ${w.html} and ${w.charts.length} charts`);
    return 0;
  }
  const plan = a.plan ? readJson<Plan>(a.plan, 'bfg.plan.v1', '--plan') : undefined;
  const baseline = a.baseline ? readJson<RunResult>(a.baseline, 'bfg.result.v1', '--baseline') : undefined;
  if (!(a.tolerance >= 0)) throw new BfgError('bad_option', `--tolerance ${a.tolerance}: must be a number >= 0`);
  const w = await writeReport(r, { plan, baseline, tolerancePct: a.tolerance, out: a.out });
  console.log(`bfg report: wrote ${w.md}, ${w.html} and ${w.charts.length} charts${w.regressed ? ' — REGRESSIONS against the baseline' : ''}`);
  return w.regressed ? 1 : 0;
}
