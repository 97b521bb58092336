/** The report as Markdown, charts linked from charts/. */
import type { Chart } from './charts.js';
import type { Section } from './sections.js';

/**
 * Every string that reaches the Markdown, escaped: scenario names, gateway strings and agent names
 * are data, and a renderer must show them, not run them (raw HTML, `[x](javascript:…)` links).
 */
export function escapeMarkdown(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;')).replace(/[[\]\\`]/g, '\\$&');
}

const cell = (v: string | number) => escapeMarkdown(String(v)).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const line = (v: string) => escapeMarkdown(v).replace(/\n/g, ' ');

/** Renders the sections as Markdown. */
export function markdown(title: string, secs: Section[], charts: Chart[]): string {
  const out = [`# ${line(title)}`, ''];
  for (const s of secs) {
    out.push(`## ${line(s.title)}`, '');
    for (const t of s.text) out.push(line(t), '');
    if (s.table && s.table.rows.length) {
      out.push(`| ${s.table.head.map(cell).join(' | ')} |`, `|${s.table.head.map(() => '---').join('|')}|`);
      for (const r of s.table.rows) out.push(`| ${r.map(cell).join(' | ')} |`);
      out.push('');
    }
    for (const c of s.charts ?? []) {
      const ch = charts.find((x) => x.name === c)!;
      out.push(`![${line(ch.title)}](charts/${encodeURIComponent(c)}.png)`, '');
    }
  }
  return out.join('\n');
}
