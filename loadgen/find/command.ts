/** `bfg find`: flags -> a knee search over one load dimension -> capacity.json and a live line per step. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Argv } from 'yargs';
import { BfgError } from '../../protocol/index.js';
import { loadScenario } from '../scenario/scenario.js';
import { capacityResult, stepLine } from './capacity.js';
import { searchKnee } from './search.js';
import { DIMENSIONS, runStep, type Dimension } from './step.js';

/** Declares the find flags. */
export function findFlags(y: Argv) {
  return y
    .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario YAML; its thresholds are the SLO' })
    .option('vary', { type: 'string', choices: DIMENSIONS, demandOption: true, describe: 'the load dimension raised: users, rate (messages per second per room) or room_size' })
    .option('from', { type: 'number', describe: 'first value (default: the scenario\'s)' })
    .option('to', { type: 'number', describe: 'highest value tried (default: from × 1024)' })
    .option('factor', { type: 'number', default: 2, describe: 'geometric step before the knee is bracketed' })
    .option('tolerance', { type: 'number', default: 0.05, describe: 'bisect until (first broken − highest held) / highest held is at most this' })
    .option('hold-s', { type: 'number', default: 5, describe: 'seconds of traffic per step (longer when needed for --min-samples)' })
    .option('warmup-s', { type: 'number', default: 1, describe: 'seconds of traffic left out of each step\'s latency' })
    .option('min-samples', { type: 'number', default: 2000, describe: 'latency samples a step needs: its hold grows to get them' })
    .option('retries', { type: 'number', default: 1, describe: 'times a step the generator decided (GENERATOR-BOUND) is run again before the search stops' })
    .option('max-hold-s', { type: 'number', default: 60, describe: 'longest hold of one step' })
    .option('target', { type: 'string', describe: 'gateway URL, or a fleet\'s nodes comma-separated' })
    .option('serve', { type: 'boolean', default: false, describe: 'start bfg serve for each step (and measure its CPU and RSS)' })
    .option('redis', { type: 'string', describe: 'Redis for a --serve fleet (serve.nodes > 1)' })
    .option('protocol', { type: 'string', choices: ['bfg', 'socketio', 'template'], describe: 'the gateway\'s protocol' })
    .option('set', { type: 'string', array: true, default: [] as string[], describe: 'override a scenario field' })
    .option('coordinator', { type: 'string', describe: 'distributed: Redis URL that bfg agent --join processes joined' })
    .option('agents', { type: 'number', describe: 'with --coordinator: how many agents to wait for' })
    .option('allow-remote', { type: 'boolean', default: false, describe: 'allow a target outside loopback and private addresses' })
    .option('jwt-secret', { type: 'string', describe: 'sign tokens for a gateway with --auth jwt (or env BFG_JWT_SECRET)' })
    .option('out', { type: 'string', default: 'results/capacity.json', describe: 'capacity result JSON' });
}

type FindArgs = Awaited<ReturnType<typeof findFlags>['argv']>;

/** Runs `bfg find`; resolves with the exit code (0: a knee or --to reached; 1: stopped by the generator or the first step broke). */
export async function find(a: FindArgs): Promise<number> {
  const sets = a.protocol ? [...a.set, `protocol=${a.protocol}`] : a.set;
  const scenario = loadScenario(a.scenario as string, sets);
  const vary = a.vary as Dimension;
  const errors: string[] = [];
  if (!scenario.thresholds.length) errors.push('the scenario has no thresholds: they are the SLO a step must hold (e.g. thresholds: ["p99_ms < 50", "lost == 0"])');
  const current = vary === 'users' ? scenario.users : vary === 'rate' ? scenario.messages.rate_per_room : scenario.rooms.size;
  const from = a.from ?? current;
  const to = a.to ?? from * 1024;
  const integer = vary !== 'rate';
  if (!(from > 0) || (integer && !Number.isInteger(from))) errors.push(`--from ${from}: must be a positive ${integer ? 'whole ' : ''}number`);
  if (!(to >= from)) errors.push(`--to ${to}: must be at least --from (${from})`);
  if (!(a.factor > 1)) errors.push(`--factor ${a.factor}: must be greater than 1`);
  if (!(a.tolerance > 0 && a.tolerance < 1)) errors.push(`--tolerance ${a.tolerance}: must be between 0 and 1 (e.g. 0.05 for 5%)`);
  for (const k of ['hold-s', 'min-samples', 'max-hold-s'] as const) if (!(a[k] > 0)) errors.push(`--${k} ${a[k]}: must be positive`);
  if (!(Number.isInteger(a.retries) && a.retries >= 0)) errors.push(`--retries ${a.retries}: must be a whole number, 0 or more`);
  if (!(a['warmup-s'] >= 0 && a['warmup-s'] < a['hold-s'])) errors.push(`--warmup-s ${a['warmup-s']}: must be at least 0 and less than --hold-s (${a['hold-s']})`);
  if (errors.length) throw new BfgError('bad_option', errors.join('; '));
  const o = { holdS: a['hold-s'], warmupS: a['warmup-s'], minSamples: a['min-samples'], maxHoldS: a['max-hold-s'] };
  const load = {
    target: a.target, serve: a.serve, redis: a.redis, allowRemote: a['allow-remote'], jwtSecret: process.env.BFG_JWT_SECRET || a['jwt-secret'],
    coordinator: a.coordinator, agents: a.agents,
  };
  const started = new Date().toISOString();
  console.log(`bfg find: ${scenario.name}, varying ${vary} from ${from} (×${a.factor}, then bisection to ${a.tolerance * 100}%), SLO ${scenario.thresholds.map((t) => t.expr).join(', ')} — every figure measured`);
  const res = await searchKnee({ from, to, factor: a.factor, tolerance: a.tolerance, integer, retries: a.retries }, async (value, attempt) => {
    const s = await runStep(scenario, vary, value, o, load);
    console.log(stepLine(vary, value, s, attempt));
    return s;
  });
  const target = a.serve ? 'bfg serve (started per step)' : (a.target ?? scenario.target ?? '');
  const c = capacityResult(scenario, vary, target, started, { from, to, factor: a.factor, tolerance: a.tolerance, hold_s: o.holdS, warmup_s: o.warmupS, min_samples: o.minSamples, retries: a.retries }, res);
  mkdirSync(dirname(a.out), { recursive: true });
  writeFileSync(a.out, JSON.stringify(c, null, 1));
  const hi = c.highest_ok, k = c.knee_per_node;
  console.log(`  highest load that held: ${hi ? `${vary}=${hi[vary]}` : 'none'}; first that broke: ${c.first_broken ? `${vary}=${c.first_broken[vary]}` : 'none'}`);
  console.log(`  ${c.why}`);
  if (k) console.log(`  at the knee, per gateway node (measured on ${k.measured_on}): ${k.connections} connections, ${k.deliveries_per_s} deliveries/s${k.cpu_pct !== undefined ? `, CPU ${k.cpu_pct}% of a core` : ''}${k.rss_per_connection_bytes ? `, ${(k.rss_per_connection_bytes / 1024).toFixed(2)} KiB RSS per connection` : ''}`);
  console.log(`  written: ${a.out} (bfg plan --from ${a.out}; bfg report ${a.out} --out DIR)`);
  return c.stopped === 'knee' || c.stopped === 'max_reached' ? 0 : 1;
}
