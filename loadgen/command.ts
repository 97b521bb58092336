/** `bfg load`: flags -> scenario -> run -> result file, summary, JUnit, exit code. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Argv } from 'yargs';
import { runLoad } from './run/coordinator.js';
import { junit } from './run/junit.js';
import { summary } from './run/summary.js';
import { loadScenario } from './scenario/scenario.js';

/** Declares the load flags. */
export function loadFlags(y: Argv) {
  return y
    .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario YAML file (see scenarios/README.md)' })
    .option('target', { type: 'string', describe: 'gateway URL ws://host:port (overrides the scenario)' })
    .option('serve', { type: 'boolean', default: false, describe: 'start a `bfg serve` for this run (with the scenario\'s serve.args) and sample its CPU and RSS' })
    .option('set', { type: 'string', array: true, default: [] as string[], describe: 'override a scenario field: --set rooms.size=50 (repeatable)' })
    .option('out', { type: 'string', default: 'results/run.json', describe: 'result JSON file' })
    .option('junit', { type: 'string', describe: 'also write a JUnit XML report here' })
    .option('allow-remote', { type: 'boolean', default: false, describe: 'allow a target outside loopback and private addresses' })
    .option('jwt-secret', { type: 'string', describe: 'sign HS256 tokens per user for a gateway with --auth jwt (or env BFG_JWT_SECRET)' })
    .option('redis', { type: 'string', describe: 'Redis URL for a --serve fleet (scenario serve.nodes > 1), e.g. redis://127.0.0.1:6390' })
    .option('progress', { type: 'boolean', default: true, describe: 'print a progress line every second' });
}

type LoadArgs = Awaited<ReturnType<typeof loadFlags>['argv']>;

/** Runs `bfg load`; resolves with the exit code (0 pass, 1 a threshold broke). */
export async function load(a: LoadArgs): Promise<number> {
  const scenario = loadScenario(a.scenario as string, a.set);
  const result = await runLoad({
    scenario, target: a.target, serve: a.serve, allowRemote: a['allow-remote'], progress: a.progress,
    jwtSecret: a['jwt-secret'] ?? process.env.BFG_JWT_SECRET, redis: a.redis,
  });
  mkdirSync(dirname(a.out), { recursive: true });
  writeFileSync(a.out, JSON.stringify(result, null, 1));
  if (a.junit) {
    mkdirSync(dirname(a.junit), { recursive: true });
    writeFileSync(a.junit, junit(result));
  }
  console.log(summary(result));
  console.log(`  written: ${a.out}${a.junit ? `, ${a.junit}` : ''}`);
  return result.passed ? 0 : 1;
}
