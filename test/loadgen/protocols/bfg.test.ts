import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BfgAdapter } from '../../../loadgen/protocols/bfg.js';
import type { ProtocolSink, Stamp } from '../../../loadgen/protocols/index.js';
import { Vu } from '../../../loadgen/agent/vu.js';
import { Spread } from '../../../loadgen/measure/spread.js';
import { runLoad } from '../../../loadgen/run/coordinator.js';
import { summary } from '../../../loadgen/run/summary.js';
import { parseScenario } from '../../../loadgen/scenario/scenario.js';
import { startGateway } from '../../helpers/gateway.js';

function sink() {
  const events: unknown[][] = [];
  const s: ProtocolSink = {
    ready: (_v, r) => void events.push(['ready', r]),
    joined: (_v, room, at, head, epoch, rec) => void events.push(['joined', room, at, head, epoch, rec]),
    acked: (_v, id, seq) => void events.push(['acked', id, seq]),
    message: (_v, room, seq, st: Stamp | undefined, at) => void events.push(['message', room, seq, st?.t, at]),
    error: (_v, code, ref) => void events.push(['error', code, ref]),
    undecodable: () => void events.push(['undecodable']),
    drain: (_v, ms) => void events.push(['drain', ms]),
    write: (_v, d) => void events.push(['write', d.toString()]),
  };
  return { s, events };
}

test('bfg frames become sink events, each with the read time it came with', () => {
  const { s, events } = sink();
  const a = new BfgAdapter(s, 'json');
  const vu = new Vu(0, 'u0', 'r', null as unknown as Spread);
  const at = 123.5;
  const f = (o: object) => a.frame(vu, Buffer.from(JSON.stringify(o)), false, at);
  f({ op: 'msg', room: 'r', seq: 3, id: 'x', from: 'u1', ts: 1, body: 'b', meta: { s: 1, n: 1, k: 1, i: 100, t: 101 } });
  f({ op: 'ack', id: 'm1', seq: 4 });
  f({ op: 'joined', room: 'r', head: 9, epoch: 'e', recovered: true });
  f({ op: 'error', code: 'rate_limited', message: 'm', ref: 'm2' });
  f({ op: 'drain', retryAfterMs: 750 });
  a.frame(vu, Buffer.from('{not json'), false, at);
  assert.deepEqual(events, [
    ['message', 'r', 3, 101, at], ['acked', 'm1', 4], ['joined', 'r', at, 9, 'e', true], ['error', 'rate_limited', 'm2'], ['drain', 750], ['undecodable'],
  ]);
});

test('publish and join write bfg frames with the stamp in meta', () => {
  const { s, events } = sink();
  const a = new BfgAdapter(s, 'json');
  const vu = new Vu(0, 'u0', 'r', null as unknown as Spread);
  a.join(vu, 'r', 5, 'ep');
  a.publish(vu, 'r', 'id1', { s: 0, n: 1, k: 1, i: 10, t: 11 }, 'hi');
  const frames = events.map((e) => JSON.parse(e[1] as string) as Record<string, unknown>);
  assert.deepEqual(frames[0], { op: 'join', room: 'r', after: 5, epoch: 'ep' });
  assert.equal(frames[1].op, 'send');
  assert.deepEqual(frames[1].meta, { s: 0, n: 1, k: 1, i: 10, t: 11 });
});

test('format proto: a load run against bfg serve on bfg.v1.proto delivers everything once, with a latency sample each', async () => {
  const g = await startGateway({ msgRate: 1e4, msgBurst: 1e4 });
  try {
    const r = await runLoad({
      scenario: parseScenario({ name: 'proto', format: 'proto', users: 20, arrival_rate: 200, duration_s: 2, drain_s: 1, rooms: { size: 5 }, messages: { rate_per_room: 10 }, thresholds: ['lost == 0', 'duplicated == 0'] }),
      target: g.url, progress: false, log: () => {},
    });
    assert.equal(r.passed, true, summary(r));
    assert.ok(r.ledger.delivered > 100 && r.ledger.delivered === r.ledger.expected, JSON.stringify(r.ledger));
    assert.equal(r.latency.every.count, r.ledger.delivered - r.ledger.recovered);
    assert.equal(r.stats.acked, r.stats.sent);
    assert.equal(r.stats.errors.undecodable ?? 0, 0);
  } finally {
    await g.gw.close();
  }
});
