/** `bfg report` as a library: a run result (plus a plan and a baseline) -> report.md, report.html, charts/. */
import type { Plan } from '../calculators/plan.js';
import type { RunResult } from '../loadgen/result.js';
import { regressions } from './baseline.js';
import { charts } from './charts.js';
import { writeFiles } from './files.js';
import { sections } from './sections.js';

export interface ReportOptions { plan?: Plan; baseline?: RunResult; tolerancePct?: number; out: string }

/** Writes the report and returns the paths written. */
export async function writeReport(r: RunResult, o: ReportOptions): Promise<{ md: string; html: string; charts: string[]; regressed: boolean }> {
  const cs = await charts(r, o.plan);
  const tol = o.tolerancePct ?? 10;
  const reg = o.baseline ? regressions(r, o.baseline, tol) : undefined;
  const secs = sections(r, cs, o.plan, reg, tol);
  const title = `BFG capacity report — ${r.scenario.name}`;
  return { ...writeFiles(o.out, title, secs, cs), regressed: !!reg?.some((x) => x.regressed) };
}
