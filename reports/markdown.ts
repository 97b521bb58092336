/** The report as Markdown, charts linked from charts/. */
import type { Chart } from './charts.js';
import type { Section } from './sections.js';

const cell = (v: string | number) => String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Renders the sections as Markdown. */
export function markdown(title: string, secs: Section[], charts: Chart[]): string {
  const out = [`# ${title}`, ''];
  for (const s of secs) {
    out.push(`## ${s.title}`, '');
    for (const t of s.text) out.push(t, '');
    if (s.table && s.table.rows.length) {
      out.push(`| ${s.table.head.map(cell).join(' | ')} |`, `|${s.table.head.map(() => '---').join('|')}|`);
      for (const r of s.table.rows) out.push(`| ${r.map(cell).join(' | ')} |`);
      out.push('');
    }
    for (const c of s.charts ?? []) {
      const ch = charts.find((x) => x.name === c)!;
      out.push(`![${ch.title}](charts/${c}.png)`, '');
    }
  }
  return out.join('\n');
}
