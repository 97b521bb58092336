import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Hub } from '../../server/hub.js';
import type { Session } from '../../server/session.js';

const session = (id: number, user: string) => ({ id, user } as unknown as Session);

describe('Hub: one registry of sessions by id, user and room', () => {
  test('a user\'s first and last session on the node are reported, and only those', () => {
    const hub = new Hub();
    const [a1, a2, b] = [session(1, 'a'), session(2, 'a'), session(3, 'b')];
    assert.equal(hub.add(a1), true);
    assert.equal(hub.add(a2), false, 'a second session of a is not its first');
    assert.equal(hub.add(b), true);
    assert.equal(hub.size, 3);
    assert.deepEqual(hub.ofUser('a'), [a1, a2]);
    assert.deepEqual(hub.remove(a1), { removed: true, last: false });
    assert.deepEqual(hub.remove(a1), { removed: false, last: false }, 'a session removed twice is removed once');
    assert.deepEqual(hub.remove(a2), { removed: true, last: true });
    assert.equal(hub.online('a'), false);
    assert.equal(hub.online('b'), true);
    assert.deepEqual(hub.counts, { rooms: 0, users: 1 });
  });

  test('a room\'s first and last member are reported; an inbox topic reaches the user\'s sessions', () => {
    const hub = new Hub();
    const [a, b] = [session(1, 'a'), session(2, 'b')];
    hub.add(a); hub.add(b);
    assert.equal(hub.join('r', a), true);
    assert.equal(hub.join('r', b), false);
    assert.deepEqual([...hub.recipients('r')!], [a, b]);
    assert.deepEqual([...hub.recipients('@b')!], [b], 'an inbox topic is its user\'s sessions');
    assert.equal(hub.recipients('@nobody'), undefined);
    assert.equal(hub.leave('r', a), false);
    assert.equal(hub.leave('r', a), false, 'leaving twice is not the last leave');
    assert.equal(hub.leave('r', b), true);
    assert.equal(hub.recipients('r'), undefined, 'an empty room leaves no entry');
    assert.equal(hub.members('r'), 0);
  });
});
