/** Writes a report's files: charts/*.png, report.md and the self-contained report.html. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Chart } from './charts.js';
import { html } from './html.js';
import { markdown } from './markdown.js';
import type { Section } from './sections.js';

/** Writes every file of one report under `out` and returns their paths. */
export function writeFiles(out: string, title: string, secs: Section[], charts: Chart[]): { md: string; html: string; charts: string[] } {
  mkdirSync(join(out, 'charts'), { recursive: true });
  const paths = charts.map((c) => {
    const p = join(out, 'charts', `${c.name}.png`);
    writeFileSync(p, c.png);
    return p;
  });
  const md = join(out, 'report.md'), page = join(out, 'report.html');
  writeFileSync(md, markdown(title, secs, charts));
  writeFileSync(page, html(title, secs, charts));
  return { md, html: page, charts: paths };
}
