/** JUnit XML for CI: one test case per threshold, one for the run's trust, one for whether it measured anything. */
import type { RunResult } from '../result.js';

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** The JUnit report of a run. */
export function junit(r: RunResult): string {
  const cases = r.thresholds.map((t) => `    <testcase classname="bfg.${esc(r.scenario.name)}" name="${esc(t.expr)}">`
    + (t.ok ? "" : `<failure message="${esc(t.no_samples ? `${t.metric}: no samples` : `${t.metric} was ${t.actual}`)}"/>`) + '</testcase>');
  cases.push(`    <testcase classname="bfg.${esc(r.scenario.name)}" name="measurement trusted">`
    + (r.trusted ? '' : `<failure message="${esc(r.untrusted_reasons.join('; '))}"/>`) + '</testcase>');
  // a run that measured nothing fails whatever its thresholds: one case says why
  const f = r.failures ?? [];
  cases.push(`    <testcase classname="bfg.${esc(r.scenario.name)}" name="connections opened and messages delivered">`
    + (f.length ? `<failure message="${esc(f.join('; '))}"/>` : '') + '</testcase>');
  const failures = r.thresholds.filter((t) => !t.ok).length + (r.trusted ? 0 : 1) + (f.length ? 1 : 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="bfg load ${esc(r.scenario.name)}" tests="${cases.length}" failures="${failures}" time="${r.wall_s}">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`;
}
