/** The embedded store's budget (what it keeps in all is bounded, a room with a member is never dropped) and the embedded broker's publish. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BfgError } from '../../../protocol/index.js';
import type { Appended, Envelope } from '../../../server/broker/broker.js';
import { MemoryBroker, MemoryStore } from '../../../server/broker/memory.js';
import { gatedStore } from '../../helpers/store.js';

const body = 'x'.repeat(1000);
const write = (s: MemoryStore, room: string, id: string) => s.append({ room, id, from: 'u', body });
const kept = async (s: MemoryStore, room: string) => (await s.range(room, 0, 100)).length;

describe('MemoryStore budget', () => {
  test('drops the least recently written logs of rooms without members first, and stays within the budget', async () => {
    const s = new MemoryStore(10, 20_000);
    for (let i = 0; i < 50; i++) {
      await write(s, `r${i}`, 'a');
      assert.ok(s.bytes <= 20_000, `within the budget after room ${i}: ${s.bytes}`);
    }
    assert.ok(s.size >= 5 && s.size <= 9, `a log here costs 2,280 by the count: ${s.size} kept`);
    assert.equal(s.evicted, 50 - s.size);
    assert.equal(await kept(s, 'r0'), 0, 'the oldest is gone');
    assert.equal(await kept(s, 'r49'), 1, 'the newest is kept');
    // writing to an older room makes it the most recent
    const older = `r${50 - s.size}`;
    await write(s, older, 'b');
    await write(s, 'r50', 'a');
    assert.equal(await kept(s, older), 2, `${older}, written again, outlives the rooms written before it`);
    assert.equal(await kept(s, `r${51 - s.size}`), 0);
  });

  test('never drops a room with a member; once its last member leaves it may be dropped, and a later join gets a new epoch', async () => {
    const s = new MemoryStore(10, 20_000);
    const { epoch } = await s.head('live');
    for (let i = 0; i < 5; i++) await write(s, 'live', `m${i}`);
    for (let i = 0; i < 40; i++) await write(s, `other${i}`, 'a');
    assert.equal(await kept(s, 'live'), 5, 'the joined room keeps its log');
    assert.deepEqual(await s.head('live'), { head: 5, epoch });
    await s.release('live');
    for (let i = 40; i < 60; i++) await write(s, `other${i}`, 'a');
    assert.equal(await kept(s, 'live'), 0, 'left by everyone, it is dropped like the rest');
    const again = await s.head('live');
    assert.equal(again.head, 0);
    assert.notEqual(again.epoch, epoch, 'a new log: joins with the old epoch answer recovered false');
  });

  test('counts what the ring holds: a full ring replaces, and an empty log is freed on release', async () => {
    const s = new MemoryStore(3, Infinity);
    await s.head('e');
    assert.equal(s.bytes, 1024);
    await s.release('e');
    assert.equal(s.size, 0);
    assert.equal(s.bytes, 0);
    await s.head('ring');
    for (let i = 0; i < 10; i++) await write(s, 'ring', `m${i}`);
    assert.equal(s.bytes, 1024 + 3 * (1000 + 256), 'the last 3 messages and the log');
    assert.deepEqual((await s.range('ring', 0, 10)).map((m) => m.seq), [8, 9, 10]);
    assert.equal(s.evicted, 0);
  });
});

describe('MemoryBroker publish', () => {
  const p = (id: string) => ({ room: 'r', id, from: 'u', body: 'x', topics: ['r'], origin: 'o/1', t0: 0 });
  function broker(store = new MemoryStore(10)) {
    const b = new MemoryBroker(store);
    const seen: string[] = [];
    b.on({ publication: (env: Envelope) => seen.push(`pub ${env.msg.id} ${env.msg.seq}`), reconnected() {}, signal() {} });
    return { b, seen, stored: (a: Appended) => seen.push(`ack ${a.msg.id} ${a.msg.seq}${a.duplicate ? ' dup' : ''}`) };
  }

  test('on the in-process store: stored, acked and published before it returns, a retry acked once more and not published', () => {
    const { b, seen, stored } = broker();
    assert.equal(b.publish(p('a'), stored), undefined, 'nothing left to wait for');
    assert.equal(b.publish(p('a'), stored), undefined);
    assert.equal(b.publish(p('b'), stored), undefined);
    assert.deepEqual(seen, ['ack a 1', 'pub a 1', 'ack a 1 dup', 'ack b 2', 'pub b 2']);
  });

  test('a store that fails at once: store_unavailable thrown, nothing acked or published', () => {
    const store = new MemoryStore(10);
    store.appendNow = () => { throw new Error('disk on fire'); };
    const { b, seen, stored } = broker(store);
    assert.throws(() => b.publish(p('a'), stored), (e: unknown) => e instanceof BfgError && e.code === 'store_unavailable' && /disk on fire/.test(e.message));
    assert.deepEqual(seen, []);
  });

  test('a store without appendNow (one that persists later): the same order, after its promise', async () => {
    const { store, release } = gatedStore(10);
    const { b, seen, stored } = broker(store);
    const later = b.publish(p('a'), stored);
    assert.ok(later instanceof Promise);
    assert.deepEqual(seen, [], 'nothing before the store holds it');
    release();
    await later;
    assert.deepEqual(seen, ['ack a 1', 'pub a 1']);
  });
});
