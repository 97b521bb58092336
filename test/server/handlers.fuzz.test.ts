import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestClient, stillWorks } from '../helpers/client.js';
import { fuzzFrame, rng } from '../helpers/fuzz.js';
import { startGateway } from '../helpers/gateway.js';

test('a live gateway survives 10,000 random and mutated frames and still serves a valid client', async () => {
  const g = await startGateway({ msgRate: 1e6, msgBurst: 1e6 });
  const rand = rng(7);
  // one session of each format, and a second JSON one: random bytes reach every decoder
  const fuzzers = await Promise.all((['json', 'msgpack', 'proto', 'json'] as const).map((fmt, i) => TestClient.connect(`${g.url}/?user=fz${i}`, fmt)));
  for (let i = 0; i < 10_000; i++) {
    const { data, binary } = fuzzFrame(rand);
    fuzzers[i % 4].raw(data, binary);
  }
  for (const f of fuzzers) await stillWorks(f);
  const errors = fuzzers.reduce((n, f) => n + f.frames.filter((x) => x.op === 'error').length, 0);
  assert.ok(errors > 3000, `the gateway answered bad frames with errors (${errors})`);
  const metrics = await (await fetch(`${g.http}/metrics`)).text();
  const seen = Number(/bfg_messages_in_total\{node="n1"\} (\d+)/.exec(metrics)?.[1]);
  assert.ok(seen >= 10_004, `every fuzz frame reached the gateway (${seen})`);
  assert.equal(fuzzers.filter((f) => f.closed).length, 0, 'no fuzzing connection was closed');
  const a = await TestClient.connect(`${g.url}/?user=valid-a`);
  const b = await TestClient.connect(`${g.url}/?user=valid-b`);
  await a.join('after-fuzz');
  await b.join('after-fuzz');
  a.send({ op: 'send', room: 'after-fuzz', id: 'ok', body: 'still here' });
  const [m] = await b.waitFor((f) => f.op === 'msg');
  assert.equal((m as { body: string }).body, 'still here');
  for (const c of [...fuzzers, a, b]) c.close();
  await g.gw.close();
});
