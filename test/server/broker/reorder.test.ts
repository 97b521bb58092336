import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Envelope } from '../../../server/broker/broker.js';
import { Reorder } from '../../../server/broker/reorder.js';
import type { MsgFrame } from '../../../protocol/index.js';
import { until } from '../../helpers/wait.js';

const msg = (seq: number): MsgFrame => ({ op: 'msg', room: 'r', seq, id: `m${seq}`, from: 'u', ts: 0, body: 'x' });
const env = (seq: number, epoch = 'e1'): Envelope => ({ topic: 'r', origin: 'n/1', t0: 0, msg: msg(seq), epoch });

function window(ms: number, log: MsgFrame[] = []) {
  const out: number[] = [];
  const fills: number[] = [];
  const r = new Reorder(ms, async (_room, after) => { fills.push(after); return log.filter((m) => m.seq > after); }, (e) => out.push(e.msg.seq));
  return { r, out, fills };
}

describe('Kafka reorder window', () => {
  test('a message past a gap waits for the missing one and both pass in seq order; replays are dropped', () => {
    const { r, out } = window(10_000);
    r.watch('r');
    r.start('r', { head: 4, epoch: 'e1' });
    r.push(env(6));
    assert.deepEqual(out, [], 'seq 6 waits for 5');
    r.push(env(5));
    r.push(env(5));
    r.push(env(4));
    r.push(env(7));
    assert.deepEqual(out, [5, 6, 7]);
    r.forget('r');
  });

  test('a gap that outlives the window is read from the log, then what was held follows', async () => {
    const { r, out, fills } = window(20, [msg(1), msg(2), msg(3)]);
    r.watch('r');
    r.start('r', { head: 0, epoch: 'e1' });
    r.push(env(3));
    r.push(env(4));
    await until(() => out.length === 4, 2000, 'the gap filled');
    assert.deepEqual(out, [1, 2, 3, 4]);
    assert.deepEqual(fills, [0]);
    r.forget('r');
  });

  test('catchUp (the consumer rejoined its group at the end of the topic) reads each room past what was passed on', async () => {
    const { r, out, fills } = window(10_000, [msg(1), msg(2), msg(3), msg(4)]);
    r.watch('r');
    r.start('r', { head: 1, epoch: 'e1' });
    r.push(env(2));
    r.watch('waiting'); // a room whose head is not known yet reads nothing
    r.catchUp();
    await until(() => out.length === 3, 2000, 'what the consumer missed, from the log');
    assert.deepEqual(out, [2, 3, 4]);
    assert.deepEqual(fills, [2]);
    r.push(env(4));
    r.push(env(5));
    assert.deepEqual(out, [2, 3, 4, 5], 'live again, replays dropped');
    r.forget('r');
    r.forget('waiting');
  });

  test('a new epoch (the log was lost) restarts the room at seq 1; rooms not watched pass nothing', () => {
    const { r, out } = window(10_000);
    r.watch('r');
    r.start('r', { head: 9, epoch: 'e1' });
    r.push(env(10));
    r.push(env(1, 'e2'));
    r.push(env(2, 'e2'));
    assert.deepEqual(out, [10, 1, 2]);
    r.push({ ...env(3, 'e2'), topic: 'other' });
    assert.deepEqual(out, [10, 1, 2], 'a room not watched here is not passed on');
    r.forget('r');
  });
});
