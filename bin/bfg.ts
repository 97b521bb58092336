#!/usr/bin/env node
/** The `bfg` CLI: wires each part's command; exit 0 success, 1 a check failed, 2 bad input or runtime error. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { BfgError, ERRORS } from '../protocol/index.js';
import { serve, serveFlags } from '../server/command.js';
import { demo } from './demo.js';
import { agent, agentFlags, load, loadFlags } from '../loadgen/command.js';
import { plan, planFlags, simulate, simulateFlags } from '../calculators/command.js';
import { report, reportFlags } from '../reports/command.js';

/** Prints a coded error and its fix, then exits 2. */
function fail(err: unknown): never {
  if (err instanceof BfgError) console.error(`bfg: ${err.code}: ${err.message}\n  fix: ${err.fix}`);
  else if ((err as NodeJS.ErrnoException)?.code === 'EADDRINUSE') console.error(`bfg: bad_option: ${(err as Error).message}\n  fix: choose another --port, or stop what holds it`);
  else console.error(`bfg: internal: ${(err as Error)?.stack ?? err}\n  fix: ${ERRORS.internal.fix}`);
  process.exit(2);
}

await yargs(hideBin(process.argv))
  .scriptName('bfg')
  .command('serve', 'run the reference chat gateway', serveFlags, (a) => serve(a).catch(fail))
  .command('load [scenario]', 'run a load scenario against a gateway; exit 0 pass, 1 threshold broken, 2 error', loadFlags,
    (a) => load(a).then((code) => process.exit(code), fail))
  .command('plan [file]', 'size a fleet: connections, servers, bus, fan-out, traffic, storm (modeled or calibrated from a run)', planFlags,
    (a) => { try { plan(a); } catch (err) { fail(err); } })
  .command('simulate <what>', 'simulate a reconnect storm of up to 10,000,000 clients', simulateFlags,
    (a) => { try { simulate(a); } catch (err) { fail(err); } })
  .command('report <result>', 'write a capacity report (Markdown, self-contained HTML, PNG charts) from a run', reportFlags,
    (a) => report(a).then((code) => process.exit(code), fail))
  .command('agent', 'a long-lived load agent that joins a coordinator through Redis (or prints a Kubernetes Job)', agentFlags,
    (a) => agent(a).then(() => process.exit(0), fail))
  .command('demo', 'run smoke, room-fanout and reconnect-storm against a gateway on embedded defaults', (y) => y,
    () => demo().then((code) => process.exit(code), fail))
  .demandCommand(1, 'name a command: serve, load, agent, plan, simulate, report, demo')
  .strict()
  .fail((msg, err) => {
    if (err) fail(err);
    console.error(`bfg: bad_option: ${msg}\n  fix: ${ERRORS.bad_option.fix}`);
    process.exit(2);
  })
  .help()
  .parseAsync();
