import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TimePoint } from '../../../loadgen/agent/result.js';
import { Progress } from '../../../loadgen/run/progress.js';

const p = (t: number, connected: number, errors: number, sent = 0, received = 0) =>
  ({ t, connected, sent, received, reconnects: 1, connect_errors: errors, rejected: 0, arriving: 0 }) as TimePoint;

test('interim metrics sum every agent\'s newest point, and the peak only grows', () => {
  const pr = new Progress();
  pr.update(0, p(1, 10, 1));
  pr.update(1, p(1, 20, 0));
  assert.deepEqual(pr.metrics(), { connect_errors: 1, connect_errors_pct: 100 / 31, reconnects: 2, peak_connections: 30 });
  pr.update(0, p(2, 0, 1));
  assert.equal(pr.metrics().peak_connections, 30);
  assert.equal(pr.lastOf(0)?.t, 2);
  assert.equal([...pr.points()].length, 2);
});

test('the printed line gives rates over the time between two prints', (t) => {
  const lines: string[] = [];
  t.mock.method(console, 'log', (l: string) => void lines.push(l));
  const pr = new Progress();
  pr.update(0, p(1, 5, 0, 10, 100));
  pr.print();
  pr.update(0, p(3, 5, 0, 30, 500));
  pr.print();
  if (process.stdout.isTTY) return; // a terminal gets the line rewritten in place instead
  assert.match(lines[1], /t=3s connections=5 sent\/s=10 delivered\/s=200 connect_errors=0 \(measured\)/);
});
