/** Protocol plugins: the worked example drives a real server through the CLI; a bad module is refused (exit 2). */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunResult } from '../../../loadgen/result.js';
import { runBfg } from '../../helpers/cli.js';
import { startTinyChat } from '../../peers/tiny-chat.js';

const dir = mkdtempSync(join(tmpdir(), 'bfg-plugin-'));
const SCENARIO = join(dir, 'tiny.yaml');
writeFileSync(SCENARIO, `name: tiny-chat
users: 20
arrival_rate: 200
duration_s: 3
drain_s: 1
rooms: { size: 5 }
messages: { rate_per_room: 10, body_bytes: 64 }
`);
const EXAMPLE = './examples/tiny-chat-adapter.mjs';

async function run(url: string, name: string, sets: string[] = []): Promise<{ code: number | null; r: RunResult; out: string }> {
  const file = join(dir, `${name}.json`);
  const p = await runBfg(['load', SCENARIO, '--protocol', EXAMPLE, '--target', url, '--no-progress', '--out', file, ...sets.flatMap((x) => ['--set', x])], 60_000);
  return { code: p.code, r: JSON.parse(readFileSync(file, 'utf8')) as RunResult, out: p.stdout + p.stderr };
}

test('the example plugin drives a tiny-chat server: handshake, joins, acks and pings; every delivery counted once with a latency sample', async () => {
  const chat = await startTinyChat();
  try {
    const { code, r, out } = await run(chat.url, 'healthy');
    assert.equal(code, 0, out);
    assert.ok(r.ledger.delivered > 100, `delivered ${r.ledger.delivered}`);
    assert.equal(r.ledger.lost, 0);
    assert.equal(r.ledger.duplicated, 0);
    assert.equal(r.latency.every.count, r.ledger.delivered - r.ledger.recovered, 'one latency sample per fresh delivery');
    assert.equal(r.stats.acked, r.stats.sent, 'every publish acked');
    assert.ok(chat.stats().pongs > 0, 'the server\'s pings were answered');
    assert.ok(r.handshake && r.handshake.count >= 20 && r.handshake.failed === 0, 'every protocol handshake timed');
    assert.match(out, /protocol handshake \(measured/);
  } finally {
    chat.close();
  }
});

test('a delivery the server drops is counted exactly: lost 1', async () => {
  const chat = await startTinyChat({ drop: 40 });
  try {
    const { r } = await run(chat.url, 'dropped');
    assert.equal(chat.stats().dropped, 1);
    assert.equal(r.ledger.lost, 1);
    assert.equal(r.ledger.duplicated, 0);
  } finally {
    chat.close();
  }
});

test('a plugin of another apiVersion, without createAdapter, or missing is refused at load with exit 2', async () => {
  const wrong = join(dir, 'v2.mjs'), empty = join(dir, 'empty.mjs');
  writeFileSync(wrong, 'export const apiVersion = 2; export const name = "x"; export function createAdapter() {}\n');
  writeFileSync(empty, 'export const apiVersion = 1; export const name = "x";\n');
  for (const [mod, why] of [[wrong, /apiVersion 2/], [empty, /createAdapter/], [join(dir, 'absent.mjs'), /did not load/]] as const) {
    const p = await runBfg(['load', SCENARIO, '--protocol', mod, '--target', 'ws://127.0.0.1:9', '--no-progress']);
    assert.equal(p.code, 2, p.stderr);
    assert.match(p.stderr, /bad_plugin/);
    assert.match(p.stderr, why);
  }
});

test('a server that never finishes the protocol handshake, or picks no subprotocol: counted by cause, and the run fails', async () => {
  const mute = await startTinyChat({ mute: true });
  try {
    const { code, r } = await run(mute.url, 'mute', ['connect_timeout_ms=500', 'reconnect.policy=never']);
    assert.equal(code, 1);
    assert.equal(r.handshake?.failed, 20, 'every user\'s handshake never finished');
    assert.equal(r.ledger.delivered, 0);
  } finally {
    mute.close();
  }
  const none = await startTinyChat({ noProtocol: true });
  try {
    const { code, r } = await run(none.url, 'no-subprotocol', ['reconnect.policy=never']);
    assert.equal(code, 1);
    assert.equal(r.stats.connects, 0);
    assert.equal(r.stats.errors.connect_subprotocol, 20);
  } finally {
    none.close();
  }
});
