/** The report as one self-contained HTML page: CSS inline, charts inline as data URLs, no requests. */
import type { Chart } from './charts.js';
import type { Section } from './sections.js';

const esc = (v: string | number) => String(v).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

const CSS = `body{font:15px/1.45 system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}tr.bad td{background:#fde2e2;color:#900;font-weight:600}img{max-width:100%;border:1px solid #eee;margin:.5em 0}
.fail{color:#b00;font-weight:700}`;

/** Renders the sections as HTML. */
export function html(title: string, secs: Section[], charts: Chart[]): string {
  const body: string[] = [`<h1>${esc(title)}</h1>`];
  for (const s of secs) {
    body.push(`<section><h2>${esc(s.title)}</h2>`);
    for (const t of s.text) body.push(`<p${/FAIL|UNTRUSTED|REGRESSIONS/.test(t) ? ' class="fail"' : ''}>${esc(t)}</p>`);
    if (s.table && s.table.rows.length) {
      body.push(`<table><thead><tr>${s.table.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>`);
      s.table.rows.forEach((r, i) => body.push(`<tr${s.table!.bad?.[i] ? ' class="bad"' : ''}>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`));
      body.push('</tbody></table>');
    }
    for (const c of s.charts ?? []) {
      const ch = charts.find((x) => x.name === c)!;
      body.push(`<figure><img alt="${esc(ch.title)}" src="data:image/png;base64,${ch.png.toString('base64')}"><figcaption>${esc(ch.title)}</figcaption></figure>`);
    }
    body.push('</section>');
  }
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"><title>${esc(title)}</title><style>${CSS}</style></head>\n<body>\n${body.join('\n')}\n</body></html>\n`;
}
