import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runBfg } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bfg-plan-'));

test('bfg plan prints the seed\'s figures and marks inputs modeled', async () => {
  const r = await runBfg(['plan', '--process-base-mib', '1', '--usable-ram-gib', '28.0009765625', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout);
  const fig = (name: string) => p.figures.find((f: { name: string }) => f.name === name).value;
  assert.equal(fig('connections per server by memory'), 1_468_006);
  assert.equal(fig('connections per server'), 1_000_000);
  assert.equal(fig('servers for the target'), 10);
  assert.equal(fig('servers with redundancy'), 20);
  assert.equal(fig('messages per day'), 600_000_000);
  assert.equal(fig('average messages per second'), 6944);
  assert.deepEqual(p.sources, {});
});

test('bad plan inputs are all named at once, exit 2', async () => {
  const r = await runBfg(['plan', '--mem-per-conn-kib', '-3', '--fd-limit', '0', '--usable-ram-gib', '0.1', '--cores-per-server', '2.5']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /mem_per_conn_kib: -3 must be a positive number/);
  assert.match(r.stderr, /fd_limit: 0 must be a positive number/);
  assert.match(r.stderr, /cores_per_server: 2.5 must be a whole number/);
  const mem = await runBfg(['plan', '--usable-ram-gib', '0.1', '--process-base-mib', '200']);
  assert.match(mem.stderr, /usable_ram_gib: 0.1 GiB is not more than process_base_mib/);
  const pol = await runBfg(['plan', '--policy', 'sometimes']);
  assert.equal(pol.code, 2);
  assert.match(pol.stderr, /policy/);
  const f = join(dir, 'plan.yaml');
  writeFileSync(f, 'policy: sometimes\nrooms: -1\ncolour: red\n');
  const file = await runBfg(['plan', f]);
  assert.equal(file.code, 2);
  assert.match(file.stderr, /policy: "sometimes" is not one of/);
  assert.match(file.stderr, /rooms: -1 must be a positive number/);
  assert.match(file.stderr, /colour: not a plan input/);
});

test('bfg simulate storm: zero servers and bad kills are named', async () => {
  const r = await runBfg(['simulate', 'storm', '--clients', '1000', '--servers', '0']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--servers: 0 must be a positive number/);
  const k = await runBfg(['simulate', 'storm', '--clients', '1000', '--servers', '4', '--kill', '4']);
  assert.match(k.stderr, /--kill: 4 must be a whole number from 0 to servers − 1 \(3\)/);
  const ok = await runBfg(['simulate', 'storm', '--clients', '100000', '--servers', '5', '--kill', '1', '--engine', 'events', '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  const res = JSON.parse(ok.stdout);
  assert.equal(res.engine, 'events');
  assert.equal(res.summary.dropped, 20_000);
  assert.ok(res.summary.reconnectS.p99 > 0);
});

test('bfg plan --from a load result marks measured inputs with where they came from', async () => {
  const result = {
    schema: 'bfg.result.v1', scenario: { name: 'fixture' }, started_at: '2026-01-01T00:00:00Z', trusted: true, untrusted_reasons: [],
    machine: { cpus: 2, cpu_model: 'test cpu', node: 'v20' }, stats: { connects: 1000, peak_connections: 1000 },
    ledger: { delivered: 50_000 }, server: { rss_per_connection_bytes: 7168, samples: [{ cpu_pct: 50 }, { cpu_pct: 50 }] },
  };
  const f = join(dir, 'run.json');
  writeFileSync(f, JSON.stringify(result));
  const r = await runBfg(['plan', '--from', f, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout);
  assert.equal(p.inputs.mem_per_conn_kib, 7);
  assert.equal(p.inputs.accept_per_core_per_sec, 1000);
  assert.equal(p.inputs.writes_per_core_per_sec, 50_000);
  assert.equal(p.sources.mem_per_conn_kib.provenance, 'measured');
  assert.match(p.sources.mem_per_conn_kib.note, /fixture/);
  assert.equal(p.sources.fd_limit, undefined, 'fd_limit stays modeled');
  assert.match(r.stderr, /heartbeat_us: no idle stretch/, 'a run without an idle hold keeps the modeled heartbeat cost and says why');
  assert.equal(p.inputs.heartbeat_us, 37);
});
