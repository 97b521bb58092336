/** What the sockets report, counted: opens and reconnects, closes by code, connect errors by cause, and the redial. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LeanSocket } from '../../../loadgen/client/lean-socket.js';
import { Connections } from '../../../loadgen/agent/connections.js';
import type { Dialer } from '../../../loadgen/agent/dialer.js';
import { emptyStats } from '../../../loadgen/agent/result.js';
import { Vu } from '../../../loadgen/agent/vu.js';
import type { Adapter } from '../../../loadgen/protocols/index.js';
import type { Measurements } from '../../../loadgen/measure/measurements.js';
import type { Spread } from '../../../loadgen/measure/spread.js';
import { testPlan } from '../../helpers/plan.js';

function setup() {
  const plan = testPlan(['users=2', 'rooms.size=2']);
  const vus = [new Vu(0, 'u0', 'r', null as unknown as Spread), new Vu(1, 'u1', 'r', null as unknown as Spread)];
  const stats = emptyStats();
  const k = new Connections({ plan, vus, stats, m: { processed() {} } as unknown as Measurements, sched: { poll() {} } });
  const seen: string[] = [];
  k.proto = { opened: (v) => void seen.push(`opened ${v.id}`), closed: (v) => void seen.push(`closed ${v.id}`), frame: (v, _p, _b, at) => void seen.push(`frame ${v.id} ${at}`), guarantees: { recovery: false } } as Adapter;
  const retried: number[] = [];
  k.dialer = { retry: (v: Vu) => void retried.push(v.id) } as unknown as Dialer;
  const sock = (vu: Vu) => (vu.sock = { owner: vu.id } as unknown as LeanSocket);
  return { k, vus, stats, seen, retried, sock };
}

test('an open counts a connect, a second open of the same user a reconnect, and the peak follows', () => {
  const { k, vus, stats, seen, sock } = setup();
  k.open(sock(vus[0]));
  k.open(sock(vus[1]));
  assert.equal(k.connected, 2);
  k.close(vus[0].sock!, 1006, 'connection ended');
  k.open(sock(vus[0]));
  assert.deepEqual([stats.connects, stats.reconnects, stats.peak_connections], [3, 1, 2]);
  k.frame(vus[1].sock!, Buffer.from('x'), false, 42.5);
  assert.ok(seen.includes('frame 1 42.5'), 'the read time is handed on');
});

test('a close before the socket ever opened is a connect error by cause, and every close but a retired user\'s redials', () => {
  const { k, vus, stats, retried, sock } = setup();
  vus[0].state = 'connecting';
  k.close(sock(vus[0]), 1006, 'connect ECONNREFUSED');
  vus[1].state = 'connecting';
  k.close(sock(vus[1]), 1002, 'HTTP 503 Service Unavailable');
  assert.equal(stats.connect_errors, 2);
  assert.equal(stats.errors.connect_ECONNREFUSED, 1);
  assert.equal(stats.errors.connect_HTTP_503, 1);
  assert.deepEqual(retried, [0, 1]);
  k.open(sock(vus[0]));
  vus[0].state = 'retired';
  k.close(vus[0].sock!, 1000, '');
  assert.deepEqual(retried, [0, 1], 'a retired user does not come back');
  k.open(sock(vus[1]));
  k.close(vus[1].sock!, 4008, 'slow');
  assert.equal(stats.slow_closed, 1);
  assert.equal(stats.closes['4008'], 1);
});

test('a close from a socket the user no longer holds is ignored', () => {
  const { k, vus, stats, sock } = setup();
  const old = sock(vus[0]);
  k.open(old);
  sock(vus[0]); // a redial replaced it
  k.close(old, 1006, 'late');
  assert.equal(stats.closes['1006'], undefined);
  assert.equal(k.connected, 1);
});
