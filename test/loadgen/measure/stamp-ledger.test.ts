import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LedgerCounts } from '../../../loadgen/measure/ledger.js';
import { StampLedger, type StampParty } from '../../../loadgen/measure/stamp-ledger.js';

const counts = (): LedgerCounts => ({ expected: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0, backfilled: 0, recovered: 0 });
const party = (id: number): StampParty => ({ id, sends: null, conns: null, stamp: null });

test('stamp ledger: per (sender, receiver) counters over the joined interval — holes, duplicates, reorders, a tail never delivered', () => {
  const c = counts();
  const L = new StampLedger(c);
  const s = party(1), r = party(2);
  L.sent(s, 1, 10); // before the receiver joined: not expected
  L.joined(r, 15);
  for (let n = 2; n <= 8; n++) L.sent(s, n, 10 + 10 * n);
  assert.equal(L.receive(r, s, 1, 16), true, 'an early message is delivered, not expected');
  for (const n of [2, 4, 3, 5, 5]) L.receive(r, s, n, 100);
  L.receive(r, s, 7, 100); // 6 and 8 never come
  L.close(r, [s, r], () => s);
  assert.deepEqual(c, { expected: 7, delivered: 6, lost: 2, duplicated: 1, reordered: 1, backfilled: 0, recovered: 0 });
});

test('stamp ledger: a closed interval counts only holes between arrivals; an uncertain write is not expected; own echoes are ignored', () => {
  const c = counts();
  const L = new StampLedger(c);
  const s = party(1), r = party(2);
  L.joined(r, 0);
  for (let n = 1; n <= 6; n++) L.sent(s, n, n);
  L.uncertain(s, 3);
  for (const n of [1, 4]) L.receive(r, s, n, 10);
  assert.equal(L.receive(s, s, 1, 10), false, 'its own message back is not a delivery');
  L.interrupt(r, () => s);
  // 2 is a hole (lost); 3 was never surely written; 5 and 6 were in flight at the close
  assert.deepEqual([c.expected, c.delivered, c.lost], [3, 2, 1]);
  assert.equal(L.missingNow, 0);
});

test('stamp ledger: without a join acknowledgement the interval opens at the first message', () => {
  const c = counts();
  const L = new StampLedger(c);
  const s = party(1), r = party(2);
  for (let n = 1; n <= 4; n++) L.sent(s, n, n);
  L.joined(r, NaN);
  L.receive(r, s, 3, 3.5); // 1 and 2 were written before this instant: not expected
  L.sent(s, 5, 5);
  L.close(r, [s], () => s);
  // expected: 4 and 5 (written after 3.5), neither came
  assert.deepEqual([c.expected, c.delivered, c.lost], [2, 1, 2]);
});

test('stamp ledger: a closed interval counts a hole only when a later message of the same sender connection arrived', () => {
  const c = counts();
  const L = new StampLedger(c);
  const s = party(1), r = party(2);
  L.joined(r, 0);
  // the sender reconnects after 4: 1-4 on its first connection, 5-7 on its second (maybe another node)
  for (let n = 1; n <= 7; n++) L.sent(s, n, n, n <= 4 ? 1 : 2);
  for (const n of [1, 3, 5, 7]) L.receive(r, s, n, 10);
  L.interrupt(r, () => s);
  // 2 is a hole (3, same connection, came); 4 may still be in flight on the first connection's path
  // when 5 overtook it; 6 is a hole (7 came on the same connection)
  assert.deepEqual([c.expected, c.delivered, c.lost], [6, 4, 2]);
});
