/**
 * A name means one thing in every deployment: names that are not well-formed NFC Unicode, or that
 * hide bidi or zero-width characters, are refused by the memory and the Redis store alike, so two
 * different names can never share a seq counter, a log or a channel.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Gateway } from '../../server/gateway.js';
import { gatewayOptions, type GatewayOptions } from '../../server/options.js';
import { openParts } from '../../server/parts.js';
import { TestClient, stillWorks } from '../helpers/client.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis | undefined;
after(() => redis?.stop());

async function gateway(store: 'memory' | 'redis'): Promise<{ gw: Gateway; url: string; http: string }> {
  const o: Partial<GatewayOptions> = { port: 0, auth: 'none' };
  if (store === 'redis') {
    redis ??= await startRedis();
    Object.assign(o, { store: 'redis', bus: 'redis', redis: redis.url });
  }
  const opts = gatewayOptions(o);
  const gw = new Gateway(opts, store === 'redis' ? await openParts(opts) : {});
  const port = await gw.listen();
  return { gw, url: `ws://127.0.0.1:${port}`, http: `http://127.0.0.1:${port}` };
}

// a lone surrogate (Redis would write U+FFFD), a decomposed é (NFD), a right-to-left override, a zero-width space
const BAD = ['\\ud800', 'e\\u0301', '\\u202e', '\\u200b'];

for (const store of ['memory', 'redis'] as const) {
  test(`${store} store: rooms and DM peers that are not one well-formed NFC name are refused; their look-alikes stay apart`, async () => {
    const g = await gateway(store);
    const mallory = await TestClient.connect(`${g.url}/?user=mallory`);
    const alice = await TestClient.connect(`${g.url}/?user=alice`);
    await alice.join('team\ufffd');
    for (const [i, tail] of BAD.entries()) {
      // raw JSON: the escape reaches the gateway as the code unit itself
      mallory.raw(`{"op":"join","room":"team${tail}"}`);
      mallory.raw(`{"op":"send","room":"team${tail}","id":"s${i}","body":"hi"}`);
      mallory.raw(`{"op":"dm","to":"alice${tail}","id":"d${i}","body":"hi"}`);
    }
    await mallory.waitFor((f) => f.op === 'error', BAD.length * 3);
    assert.equal(mallory.frames.filter((f) => f.op === 'joined' || f.op === 'ack').length, 0, 'nothing joined, sent or stored');
    // alice's look-alike room and inbox got nothing from mallory
    await stillWorks(alice);
    assert.equal(alice.frames.filter((f) => f.op === 'msg').length, 0);
    // the same name sent as the gateway would store it, U+FFFD, is an ordinary room of its own
    await mallory.join('team\ufffd');
    mallory.send({ op: 'send', room: 'team\ufffd', id: 'ok', body: 'hello' });
    await alice.waitFor((f) => f.op === 'msg' && f.id === 'ok');
    const res = await fetch(`${g.http}/rooms/${encodeURIComponent('team\ufffd')}/messages?after=0&user=alice`);
    assert.equal(((await res.json()) as { messages: unknown[] }).messages.length, 1);
    mallory.close();
    alice.close();
    await g.gw.close();
  });
}
