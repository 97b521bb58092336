/** The history phase against a scripted history server: pages checked contiguous, tiers counted apart, errors by code. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { historyPhase } from '../../../loadgen/run/history-phase.js';
import { parseScenario } from '../../../loadgen/scenario/scenario.js';

/** a server whose room r0 has 1..30 (hot above 20, a hole at 9 when `hole`), r1 answers 503 */
async function server(hole: boolean) {
  const srv = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const room = decodeURIComponent(url.pathname.split('/')[2]);
    if (room.endsWith('room1')) {
      res.writeHead(503, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: 'history_unavailable', message: 'down' }));
    }
    const before = Math.min(Number(url.searchParams.get('before')), 31), limit = Number(url.searchParams.get('limit'));
    const seqs: number[] = [];
    for (let s = before - 1; s >= 1 && seqs.length < limit; s--) if (!(hole && s === 9)) seqs.unshift(s);
    const tiers = [...new Set(seqs.map((s) => (s > 20 ? 'hot' : 'cold')))].sort();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ head: 30, tiers, messages: seqs.map((seq) => ({ seq })), more: seqs.length > 0 && seqs[0] > 1 }));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { srv, url: `ws://127.0.0.1:${(srv.address() as { port: number }).port}` };
}

const scenario = parseScenario({ name: 'h', users: 2, rooms: { size: 1 }, history: { at_s: 0, scrolls: 2, rate_per_s: 100, pages: 5, limit: 8 } });

test('scrolls read pages back to seq 1, contiguous; latency split by tier; a room that answers 503 is counted by its code', async () => {
  const { srv, url } = await server(false);
  try {
    const h = await historyPhase(scenario, url, 'run');
    assert.equal(h.scrolls, 2);
    assert.equal(h.pages, 4, 'r0: 30 messages in pages of 8 (the 503 room reads none)');
    assert.equal(h.messages, 30);
    assert.equal(h.reached_start, 1);
    assert.equal(h.gaps + h.repeats, 0);
    assert.deepEqual(h.errors, { history_unavailable: 1 });
    assert.deepEqual([h.latency_ms.hot?.pages, h.latency_ms.cold?.pages, h.latency_ms.mixed?.pages], [1, 2, 1]);
  } finally {
    srv.close();
  }
});

test('a page that skips a seq is counted as a gap, not averaged away', async () => {
  const { srv, url } = await server(true);
  try {
    const h = await historyPhase(scenario, url, 'run');
    assert.equal(h.gaps, 1);
    assert.equal(h.repeats, 0);
  } finally {
    srv.close();
  }
});
