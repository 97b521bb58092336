/** The end-of-run backfill reads the real gateway's history: a gap found there is backfilled, one not there is lost. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backfill } from '../../../loadgen/agent/backfill.js';
import { emptyStats } from '../../../loadgen/agent/result.js';
import { Vu } from '../../../loadgen/agent/vu.js';
import { Ledger } from '../../../loadgen/measure/ledger.js';
import type { Spread } from '../../../loadgen/measure/spread.js';
import { TestClient } from '../../helpers/client.js';
import { startGateway } from '../../helpers/gateway.js';
import { testPlan } from '../../helpers/plan.js';

test('gaps a receiver missed live are read back from history; what the log never had past its head is not expected', async () => {
  const g = await startGateway();
  try {
    const writer = await TestClient.connect(`${g.url}/?user=w`);
    await writer.join('bf');
    for (let i = 1; i <= 5; i++) writer.send({ op: 'send', room: 'bf', id: `m${i}`, body: `b${i}` });
    await writer.waitFor((f) => f.op === 'ack', 5);
    const vu = new Vu(1, 'reader', 'bf', null as unknown as Spread);
    const ledger = new Ledger();
    const t = vu.track('bf', 0);
    ledger.receive(t, 1, false);
    ledger.receive(t, 4, false); // 2 and 3 missed live; 5 never read
    const stats = emptyStats();
    await backfill({ plan: testPlan([], g.url), vus: [vu], ledger, stats, heads: new Map([['bf', 5]]), sentRooms: new Set(['bf']) });
    assert.equal(ledger.counts.backfilled, 3, 'seqs 2, 3 and 5 are in the log');
    assert.equal(ledger.counts.lost, 0);
    assert.equal(stats.errors.backfill_failed, undefined);
    writer.close();
  } finally {
    await g.gw.close();
  }
});

test('a gateway that cannot be read counts a failed backfill, and the gaps are lost, never guessed', async () => {
  const vu = new Vu(1, 'reader', 'gone', null as unknown as Spread);
  const ledger = new Ledger();
  const t = vu.track('gone', 0);
  ledger.receive(t, 3, false);
  const stats = emptyStats();
  await backfill({ plan: testPlan([], 'ws://127.0.0.1:9'), vus: [vu], ledger, stats, heads: new Map(), sentRooms: new Set(['gone']) });
  assert.equal(stats.errors.backfill_failed, 1);
  assert.equal(ledger.counts.lost, 2);
});
