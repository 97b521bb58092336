#!/usr/bin/env node
/** The `bfg` CLI: wires each part's command; exit 0 success, 1 a check failed, 2 bad input or runtime error. */
import type { Argv } from 'yargs';
import { BfgError, ERRORS } from '../protocol/index.js';

/** Prints a coded error and its fix, then exits 2. */
function fail(err: unknown): never {
  if (err instanceof BfgError) console.error(`bfg: ${err.code}: ${err.message}\n  fix: ${err.fix}`);
  else if ((err as NodeJS.ErrnoException)?.code === 'EADDRINUSE') console.error(`bfg: bad_option: ${(err as Error).message}\n  fix: choose another --port, or stop what holds it`);
  else console.error(`bfg: internal: ${(err as Error)?.stack ?? err}\n  fix: ${ERRORS.internal.fix}`);
  process.exit(2);
}

// Each command's module is imported only when that command runs: `bfg serve` then loads neither the
// load generator nor the report renderer (canvas, chart.js), and starts small.
type Loaded = { builder: (y: Argv) => Argv; run: (a: never) => unknown };
const exitWith = (p: Promise<number>) => p.then((code) => process.exit(code), fail);
const COMMANDS: { spec: string; describe: string; load: () => Promise<Loaded> }[] = [
  { spec: 'serve', describe: 'run the reference chat gateway',
    load: async () => { const m = await import('../server/command.js'); return { builder: m.serveFlags as never, run: (a: never) => m.serve(a).catch(fail) }; } },
  { spec: 'archive', describe: 'move acked messages from the Redis archive queue into Cassandra (the cold tier), as its own process',
    load: async () => { const m = await import('../server/archive/command.js'); return { builder: m.archiveFlags as never, run: (a: never) => m.archive(a).catch(fail) }; } },
  { spec: 'load [scenario]', describe: 'run a load scenario against a gateway; exit 0 pass, 1 threshold broken, 2 error',
    load: async () => { const m = await import('../loadgen/command.js'); return { builder: m.loadFlags as never, run: (a: never) => exitWith(m.load(a)) }; } },
  { spec: 'find <scenario>', describe: 'find the highest load a gateway holds at the scenario\'s SLO (raises users, rate or room size); writes capacity.json',
    load: async () => { const m = await import('../loadgen/find/command.js'); return { builder: m.findFlags as never, run: (a: never) => exitWith(m.find(a)) }; } },
  { spec: 'plan [file]', describe: 'size a fleet: connections, servers, bus, fan-out, traffic, storm (modeled or calibrated from a run)',
    load: async () => { const m = await import('../calculators/command.js'); return { builder: m.planFlags as never, run: (a: never) => { try { m.plan(a); } catch (err) { fail(err); } } }; } },
  { spec: 'simulate <what>', describe: 'simulate a reconnect storm of up to 10,000,000 clients',
    load: async () => { const m = await import('../calculators/command.js'); return { builder: m.simulateFlags as never, run: (a: never) => { try { m.simulate(a); } catch (err) { fail(err); } } }; } },
  { spec: 'report <result> [more..]', describe: 'write a capacity report (Markdown, self-contained HTML, PNG charts) from a run, or several runs side by side',
    load: async () => { const m = await import('../reports/command.js'); return { builder: m.reportFlags as never, run: (a: never) => exitWith(m.report(a)) }; } },
  { spec: 'agent', describe: 'a long-lived load agent that joins a coordinator through Redis (or prints a Kubernetes Job)',
    load: async () => { const m = await import('../loadgen/command.js'); return { builder: m.agentFlags as never, run: (a: never) => m.agent(a).then(() => process.exit(0), fail) }; } },
  { spec: 'demo', describe: 'run smoke, room-fanout and reconnect-storm against a gateway on embedded defaults',
    load: async () => { const m = await import('./demo.js'); return { builder: (y: Argv) => y, run: () => exitWith(m.demo()) }; } },
];

// `bfg serve` with well-formed flags is parsed from the same option table without yargs, which alone
// adds about 13 MiB to a process's RSS; --help, unknown flags and odd values take the yargs path below,
// so every message and error stays the same
const quick = process.argv[2] === 'serve' ? (await import('../server/command.js')).quickServeArgs(process.argv.slice(3)) : undefined;
if (quick) await (await import('../server/command.js')).serve(quick).catch(fail);
else await cliMain();

async function cliMain(): Promise<void> {
const { default: yargs } = await import('yargs');
const { hideBin } = await import('yargs/helpers');
const invoked = hideBin(process.argv)[0];
let cli = yargs(hideBin(process.argv)).scriptName('bfg');
for (const c of COMMANDS) {
  if (c.spec.split(' ')[0] === invoked) {
    const m = await c.load();
    cli = cli.command(c.spec, c.describe, m.builder, m.run as never);
  } else cli = cli.command(c.spec, c.describe, (y) => y, () => {}); // listed in --help; not the one running
}
await cli
  .demandCommand(1, 'name a command: serve, archive, load, find, agent, plan, simulate, report, demo')
  .strict()
  .fail((msg, err) => {
    if (err) fail(err);
    console.error(`bfg: bad_option: ${msg}\n  fix: ${ERRORS.bad_option.fix}`);
    process.exit(2);
  })
  .help()
  .parseAsync();
}
