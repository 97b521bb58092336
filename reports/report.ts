/** `bfg report` as a library: a run result (plus a plan and a baseline) -> report.md, report.html, charts/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../calculators/plan.js';
import type { RunResult } from '../loadgen/result.js';
import { regressions } from './baseline.js';
import { charts } from './charts.js';
import { html } from './html.js';
import { markdown } from './markdown.js';
import { sections } from './sections.js';

export interface ReportOptions { plan?: Plan; baseline?: RunResult; tolerancePct?: number; out: string }

/** Writes the report and returns the paths written. */
export async function writeReport(r: RunResult, o: ReportOptions): Promise<{ md: string; html: string; charts: string[]; regressed: boolean }> {
  const cs = await charts(r, o.plan);
  const tol = o.tolerancePct ?? 10;
  const reg = o.baseline ? regressions(r, o.baseline, tol) : undefined;
  const secs = sections(r, cs, o.plan, reg, tol);
  const title = `BFG capacity report — ${r.scenario.name}`;
  mkdirSync(join(o.out, 'charts'), { recursive: true });
  const paths = cs.map((c) => {
    const p = join(o.out, 'charts', `${c.name}.png`);
    writeFileSync(p, c.png);
    return p;
  });
  const md = join(o.out, 'report.md'), page = join(o.out, 'report.html');
  writeFileSync(md, markdown(title, secs, cs));
  writeFileSync(page, html(title, secs, cs));
  return { md, html: page, charts: paths, regressed: !!reg?.some((x) => x.regressed) };
}
