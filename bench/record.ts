/**
 * A bench's figures as data: each bench adds what it measured (with its method, and its baseline
 * where it has one) and saves one JSON file per bench under bench/results/, which
 * `npm run docs` turns into docs/benchmarks.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One measured figure, optionally beside its baseline measured in the same run. */
export interface Figure {
  /** what it is, e.g. "CPU per delivery, 50 rooms x 20" */
  name: string;
  value: number | null;
  unit: string;
  /** how it was measured, in one line */
  method: string;
  /** the same work done by the baseline, in the same run */
  baseline?: { name: string; value: number | null };
  /** which direction is better; with a baseline, the page lists a figure worse than it as "not ahead" */
  better?: 'lower' | 'higher';
  /** the target, in words ("<= 1.00x"), and whether this run met it */
  target?: string;
  met?: boolean;
}

/** The file a bench writes. */
export interface BenchResult {
  schema: 'bfg.bench.v1';
  bench: string;
  command: string;
  build: string;
  date: string;
  machine: { cpu: string; cores: number; memory_gib: number; node: string; kernel: string };
  /** the environment overrides the run used (BENCH_*) */
  settings: Record<string, string>;
  figures: Figure[];
  /** what the figures do not show by themselves (a run's verdict, a caveat) */
  notes: string[];
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The build a run measured: the commit, marked dirty when the tree had changes. */
export function buildId(): string {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short=7', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${rev}-dirty` : rev;
  } catch {
    return 'unknown';
  }
}

/** Collects one bench run's figures and writes them as bench/results/NAME.json. */
export class BenchRecord {
  readonly result: BenchResult;
  constructor(bench: string) {
    const cpus = os.cpus();
    this.result = {
      schema: 'bfg.bench.v1', bench, command: `npm run bench:${bench}`, build: buildId(), date: new Date().toISOString().slice(0, 10),
      machine: {
        cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, memory_gib: Math.round(os.totalmem() / 2 ** 30),
        node: process.version, kernel: os.release(),
      },
      settings: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_')).map(([k, v]) => [k, v ?? ''])),
      figures: [], notes: [],
    };
  }

  /** adds a figure; a value that is not a finite number is kept as null (not measured) */
  add(f: Figure): this {
    const num = (v: number | null) => (v !== null && Number.isFinite(v) ? Number(v.toPrecision(6)) : null);
    this.result.figures.push({ ...f, value: num(f.value), ...(f.baseline ? { baseline: { ...f.baseline, value: num(f.baseline.value) } } : {}) });
    return this;
  }

  /** adds a line the figures need beside them */
  note(s: string): this {
    this.result.notes.push(s);
    return this;
  }

  /** writes the file (BENCH_RESULTS overrides the folder) and returns its path */
  save(): string {
    const dir = process.env.BENCH_RESULTS ?? path.join(ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${this.result.bench}.json`);
    writeFileSync(file, `${JSON.stringify(this.result, null, 2)}\n`);
    console.log(`bench: figures written to ${path.relative(process.cwd(), file) || file} (npm run docs renders docs/benchmarks.md)`);
    return file;
  }
}
