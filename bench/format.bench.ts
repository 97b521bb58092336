/**
 * npm run bench:format — the seed's "binary protocols drastically reduce the payload size", measured:
 * the same room-fanout run against one `bfg serve` process in JSON, MessagePack and Protocol Buffers
 * (subprotocols bfg.v1.json, .msgpack, .proto), alternating rounds. Per format: bytes of a typical
 * stamped `msg` frame as the gateway writes it (payload; the WebSocket header adds 2–4), gateway CPU
 * per delivery (user + system time of the gateway process over the load run, from /proc), and
 * generator CPU per received message (the agents' own CPU time over the run). Ratios are each binary
 * format over JSON. Median of BENCH_ROUNDS (3) with the range.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import type { RunResult } from '../loadgen/result.js';
import { encodeFrame, type Format, type MsgFrame } from '../protocol/index.js';
import { BFG } from '../test/helpers/cli.js';
import { cpuSeconds, listening } from '../test/helpers/proc.js';
import { BenchRecord } from './record.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FORMATS: Format[] = ['json', 'msgpack', 'proto'];
const SCENARIO = 'scenarios/room-fanout.yaml';

// a delivered message as the generator sends it: 64-byte body, the stamp in meta
const typical: MsgFrame = { op: 'msg', room: 'fanout-3', seq: 48_213, id: 'r1a2b3-u117-2041', from: 'r1a2b3-u117', ts: 1_796_000_000_123, body: 'x'.repeat(64), meta: { s: 117, n: 2041, k: 3, i: 1_796_000_000_120.25, t: 1_796_000_000_121.5 } };

interface Figures { gatewayUs: number; generatorUs: number; delivered: number; lost: number; p99: number; trusted: boolean }

async function once(format: Format, round: number): Promise<Figures> {
  const gw = await listening([BFG, 'serve', '--port', '0', '--auth', 'none']);
  const pid = gw.proc.pid!;
  const out = `results/format/${format}-${round}.json`;
  const cpu0 = cpuSeconds(pid);
  const load = spawn(process.execPath, [BFG, 'load', SCENARIO, '--target', gw.url, '--set', `format=${format}`, '--set', 'thresholds=[]', '--no-progress', '--out', out], { stdio: 'ignore' });
  await new Promise((r) => load.on('exit', r));
  const cpu = cpuSeconds(pid) - cpu0;
  gw.proc.kill('SIGKILL');
  const r = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
  const gen = r.agents.reduce((a, x) => a + x.trust.cpu_s, 0);
  const n = Math.max(1, r.ledger.delivered);
  return { gatewayUs: (cpu * 1e6) / n, generatorUs: (gen * 1e6) / n, delivered: r.ledger.delivered, lost: r.ledger.lost, p99: r.latency.every.p99_ms, trusted: r.trusted };
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const cell = (xs: number[], d: number) => `${median(xs).toFixed(d)} [${Math.min(...xs).toFixed(d)}..${Math.max(...xs).toFixed(d)}]`;

mkdirSync('results/format', { recursive: true });
const runs = new Map<Format, Figures[]>(FORMATS.map((f) => [f, []]));
for (let round = 0; round < ROUNDS; round++) for (const f of FORMATS) runs.get(f)!.push(await once(f, round));
const bytes = new Map(FORMATS.map((f) => [f, encodeFrame(typical, f).length]));

console.log(`bench:format — measured on ${os.cpus().length}x ${os.cpus()[0]?.model.trim()}, node ${process.version}; ${SCENARIO} against one bfg serve process, the generator on the same cores`);
console.log(`  ${ROUNDS} alternating rounds; median [min..max]; ratio = format / JSON (below 1: smaller or cheaper than JSON)\n`);
console.log(`  ${'format'.padEnd(9)} ${'msg frame (B)'.padStart(14)} ${'gateway CPU µs/delivery'.padStart(26)} ${'generator CPU µs/received'.padStart(28)} ${'delivered'.padStart(10)} ${'lost'.padStart(5)}   ratios (bytes, gateway, generator)`);
const rec = new BenchRecord('format');
const med = (f: Format, get: (x: Figures) => number) => median(runs.get(f)!.map(get));
for (const f of FORMATS) {
  const xs = runs.get(f)!;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  const ratios = f === 'json' ? '' : [ratio(bytes.get(f)!, bytes.get('json')!), ratio(med(f, (x) => x.gatewayUs), med('json', (x) => x.gatewayUs)), ratio(med(f, (x) => x.generatorUs), med('json', (x) => x.generatorUs))].join(', ');
  console.log(`  ${f.padEnd(9)} ${String(bytes.get(f)).padStart(14)} ${cell(xs.map((x) => x.gatewayUs), 2).padStart(26)} ${cell(xs.map((x) => x.generatorUs), 2).padStart(28)} ${String(med(f, (x) => x.delivered)).padStart(10)} ${String(med(f, (x) => x.lost)).padStart(5)}   ${ratios}`);
  if (f === 'json') continue;
  const base = { name: 'the same in JSON (bfg.v1.json)' };
  rec.add({ name: `${f}: bytes of a stamped msg frame (64-byte body)`, value: bytes.get(f)!, unit: 'B', method: 'encoded by the gateway\'s codec (payload, without the WebSocket header)', baseline: { ...base, value: bytes.get('json')! }, better: 'lower' });
  rec.add({ name: `${f}: gateway CPU per delivery`, value: med(f, (x) => x.gatewayUs), unit: 'µs', method: `room-fanout, one bfg serve process, /proc CPU over the run / deliveries; median of ${ROUNDS} alternating rounds`, baseline: { ...base, value: med('json', (x) => x.gatewayUs) }, better: 'lower' });
  rec.add({ name: `${f}: generator CPU per received message`, value: med(f, (x) => x.generatorUs), unit: 'µs', method: `the agents' CPU time over the run / deliveries; median of ${ROUNDS} alternating rounds`, baseline: { ...base, value: med('json', (x) => x.generatorUs) }, better: 'lower' });
}
const untrusted = FORMATS.flatMap((f) => runs.get(f)!.map((x, i) => (x.trusted ? '' : `${f} round ${i + 1}`))).filter(Boolean);
console.log(`\n  ${untrusted.length ? `UNTRUSTED runs (the generator's error bar is large against the latency; CPU figures stand): ${untrusted.join(', ')}` : 'every run trusted'}; results: results/format/`);
rec.note('Protocol Buffers carries meta (the stamp) as JSON text: free-form meta has no schema; the body and the frame fields are binary.');
rec.save();
process.exit(0);
