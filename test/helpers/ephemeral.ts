/** One check every bus runs: typing and a read receipt cross from one node to another, only to the other member, never stored. */
import assert from 'node:assert/strict';
import { TestClient } from './client.js';

/** `node(name)` starts a gateway of the fleet under test; `prefix` keeps its node names and room apart */
export async function ephemeralCrossesNodes(node: (name: string) => Promise<{ url: string }>, prefix: string): Promise<void> {
  const room = `${prefix}eph`;
  const [n1, n2] = [await node(`${prefix}e1`), await node(`${prefix}e2`)];
  const a = await TestClient.connect(`${n1.url}/?user=ea`);
  const b = await TestClient.connect(`${n2.url}/?user=eb`);
  await a.join(room); await b.join(room);
  b.send({ op: 'send', room, id: 'm1', body: 'x' });
  await a.waitFor((f) => f.op === 'msg', 1, 30_000);
  a.send({ op: 'typing', room });
  a.send({ op: 'read', room, seq: 1 });
  const [t] = await b.waitFor((f) => f.op === 'typing', 1, 30_000);
  const [r] = await b.waitFor((f) => f.op === 'read', 1, 30_000);
  assert.deepEqual([(t as { user: string }).user, (r as { seq: number }).seq], ['ea', 1]);
  assert.equal(a.frames.some((f) => f.op === 'typing' || f.op === 'read'), false, 'not back to the sender');
  const again = await TestClient.connect(`${n2.url}/?user=ea`);
  assert.equal((await again.join(room)).lastRead, 1);
  assert.equal((await again.join(room)).head, 1, 'one message stored: the events were not');
  for (const c of [a, b, again]) c.close();
}
