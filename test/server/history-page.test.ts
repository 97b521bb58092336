/** GET /rooms/:room/messages backwards (before=) on the embedded store, and its bad requests. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Gateway } from '../../server/gateway.js';
import { TestClient } from '../helpers/client.js';

test('before= pages backwards through the hot window, oldest first in each page; more until seq 1; bad cursors answer 400', async () => {
  const gw = new Gateway({ port: 0, auth: 'none', history: 100, msgRate: 10_000, msgBurst: 10_000 });
  await gw.listen();
  const base = `http://127.0.0.1:${gw.port}/rooms/back/messages?user=r`;
  const a = await TestClient.connect(`ws://127.0.0.1:${gw.port}/?user=a`);
  try {
    await a.join('back');
    for (let i = 0; i < 25; i++) a.send({ op: 'send', room: 'back', id: `b${i}`, body: 'x' });
    await a.waitFor((f) => f.op === 'ack', 25);
    const seqs: number[][] = [];
    for (let before = 26, more = true; more;) {
      const body = (await (await fetch(`${base}&before=${before}&limit=10`)).json()) as { tiers: string[]; messages: { seq: number }[]; more: boolean };
      seqs.push(body.messages.map((m) => m.seq));
      assert.deepEqual(body.tiers, ['hot']);
      more = body.more;
      before = body.messages[0].seq;
    }
    assert.deepEqual(seqs, [[16, 17, 18, 19, 20, 21, 22, 23, 24, 25], [6, 7, 8, 9, 10, 11, 12, 13, 14, 15], [1, 2, 3, 4, 5]]);
    const past = (await (await fetch(`${base}&before=1000&limit=3`)).json()) as { messages: { seq: number }[] };
    assert.deepEqual(past.messages.map((m) => m.seq), [23, 24, 25], 'a cursor past the head reads from the head');
    for (const q of ['before=0', 'before=5&after=1', 'before=x', 'before=5&limit=0']) {
      const res = await fetch(`${base}&${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(((await res.json()) as { error: string }).error, 'bad_request');
    }
  } finally {
    a.close();
    await gw.close();
  }
});
