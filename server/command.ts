/** `bfg serve`: flags -> gateway options -> a running gateway that drains on SIGTERM. */
import type { Argv } from 'yargs';
import { BfgError } from '../protocol/index.js';
import { Gateway } from './gateway.js';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { OPTIONS, flagOf, gatewayOptions, type GatewayOptions, type OptionKey } from './options.js';
import { openParts } from './parts.js';

/** Declares the serve flags on a yargs instance: one per declared option, and --nodes. */
export function serveFlags(y: Argv) {
  let out = y.option('nodes', { type: 'number', default: 1, describe: 'gateway processes on consecutive ports (more than 1 needs a shared bus and store)' });
  for (const [k, s] of Object.entries(OPTIONS) as [OptionKey, (typeof OPTIONS)[OptionKey]][]) {
    const type = s.kind === 'bool' ? 'boolean' : s.kind === 'int' || s.kind === 'number' ? 'number' : 'string';
    out = out.option(flagOf(k), {
      type, describe: s.help, default: s.kind === 'list' || s.d === undefined ? undefined : s.d,
      ...('choices' in s ? { choices: s.choices } : {}),
    });
  }
  return out as unknown as Argv<Record<string, unknown> & { nodes: number; node: string; port: number; bus: string }>;
}

type ServeArgs = Awaited<ReturnType<typeof serveFlags>['argv']>;

/**
 * The serve flags parsed without yargs (node:util parseArgs, from the same option table), with the
 * defaults yargs would fill in; undefined when anything is not plainly well-formed (help, an unknown
 * flag, --no-x, a number that does not read as one), which then goes through yargs and its messages.
 */
export function quickServeArgs(argv: readonly string[]): ServeArgs | undefined {
  const options: Record<string, { type: 'string' | 'boolean' }> = { nodes: { type: 'string' } };
  for (const [k, s] of Object.entries(OPTIONS)) options[flagOf(k)] = { type: s.kind === 'bool' ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch {
    return undefined;
  }
  const a: Record<string, unknown> = { nodes: 1 };
  for (const [k, s] of Object.entries(OPTIONS) as [OptionKey, (typeof OPTIONS)[OptionKey]][]) {
    const f = flagOf(k), v = values[f];
    if (v === undefined) {
      if (s.kind !== 'list' && s.d !== undefined) a[f] = s.d;
      continue;
    }
    if (s.kind === 'int' || s.kind === 'number') {
      if (typeof v !== 'string' || !/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v)) return undefined;
      a[f] = Number(v);
    } else a[f] = v;
  }
  if (values.nodes !== undefined) {
    if (typeof values.nodes !== 'string' || !/^\d+$/.test(values.nodes)) return undefined;
    a.nodes = Number(values.nodes);
  }
  return a as ServeArgs;
}

/** Maps parsed flags to gateway options: the list flag split on commas, the secret from the environment first. */
export function serveOptions(a: ServeArgs): Partial<GatewayOptions> {
  const o: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(OPTIONS) as [OptionKey, (typeof OPTIONS)[OptionKey]][]) {
    const v = a[flagOf(k)];
    o[k] = s.kind === 'list' && typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : v;
  }
  o.jwtSecret = jwtSecret(a['jwt-secret'] as string | undefined);
  // a RabbitMQ URL often carries a password: the environment keeps it out of ps
  if (o.amqp === undefined && process.env.BFG_AMQP_URL) o.amqp = process.env.BFG_AMQP_URL;
  return o as Partial<GatewayOptions>;
}

/** The JWT secret: the environment first, because a command-line flag is readable by every local user (ps, /proc). */
export function jwtSecret(flag: string | undefined): string | undefined {
  const env = process.env.BFG_JWT_SECRET;
  if (flag !== undefined) {
    console.error(env
      ? 'bfg: warning: both --jwt-secret and BFG_JWT_SECRET are set; using BFG_JWT_SECRET (a flag is visible to every local user in ps)'
      : 'bfg: warning: --jwt-secret is visible to every local user in ps and /proc; prefer the environment variable BFG_JWT_SECRET');
  }
  return env || flag;
}

/** Runs `bfg serve` until SIGTERM or SIGINT, then drains and exits 0; `--nodes N` runs N node processes. */
export async function serve(a: ServeArgs): Promise<void> {
  if (a.nodes !== 1) return fleet(a);
  const opts = gatewayOptions(serveOptions(a));
  const gw = new Gateway(opts, await openParts(opts));
  const port = await gw.listen();
  const o = gw.opts;
  const ops = gw.metricsPort === undefined ? '/health /metrics ' : '';
  console.log(`bfg serve: node ${o.node} listening on ws://${o.host}:${port} (auth ${o.auth}, store ${o.store}, bus ${o.bus}; HTTP ${ops}/rooms/:room/messages)`);
  if (!ops) console.log(`bfg serve: /health and /metrics on http://${o.metricsHost}:${gw.metricsPort}`);
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`bfg serve: ${sig}: draining ${gw.hub.size} connections`);
    void gw.drain().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** `--nodes N`: N gateway processes on consecutive ports (each within its own fd limit), ids <node>-1..N. */
async function fleet(a: ServeArgs): Promise<void> {
  if (!Number.isInteger(a.nodes) || a.nodes < 1) throw new BfgError('bad_option', `--nodes ${a.nodes}: must be a whole number >= 1`);
  if (a.bus === 'memory') {
    throw new BfgError('bad_option', `--nodes ${a.nodes} with --bus memory: the in-process bus cannot join processes; use --bus redis --store redis --redis URL`);
  }
  gatewayOptions(serveOptions(a)); // every other problem is reported before any process starts
  const own = /^--(nodes|node|port|metrics-port)(=|$)/, ownSep = /^--(nodes|node|port|metrics-port)$/;
  const argv = process.argv.slice(2).filter((x, i, all) => !own.test(x) && !ownSep.test(all[i - 1] ?? ''));
  // each node its own port, and its own metrics port when there is one: node i on PORT + i
  const nth = (p: number, i: number) => String(p === 0 ? 0 : p + i);
  const mp = serveOptions(a).metricsPort;
  const children = Array.from({ length: a.nodes }, (_, i) => spawn(process.execPath, [process.argv[1], ...argv, '--node', `${a.node}-${i + 1}`,
    '--port', nth(a.port, i), ...(mp === undefined ? [] : ['--metrics-port', nth(mp, i)])], { stdio: ['ignore', 'inherit', 'inherit'] }));
  const forward = (sig: NodeJS.Signals) => children.forEach((c) => c.kill(sig));
  process.on('SIGTERM', () => forward('SIGTERM'));
  process.on('SIGINT', () => forward('SIGINT'));
  const codes = await Promise.all(children.map((c) => new Promise<number>((r) => c.on('exit', (code) => r(code ?? 1)))));
  process.exit(codes.every((c) => c === 0) ? 0 : 2);
}
