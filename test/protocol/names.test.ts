import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeClientFrame, dmRoom, encodeFrame, globMatch, globSteps, mayRead, roomProblem, userProblem, type ClientFrame } from '../../protocol/index.js';
import { deepJson, nastyMeta, rng } from '../helpers/fuzz.js';

test('user ids: no ":" (it separates DM users), no control characters, 1..128 characters', () => {
  for (const ok of ['alice', 'bob@example.com', 'u-1.2_3', 'x'.repeat(128)]) assert.equal(userProblem(ok), undefined, ok);
  for (const bad of ['', 'a:b', 'tab\there', 'nul\u0000', 'x'.repeat(129)]) assert.ok(userProblem(bad), JSON.stringify(bad));
});

test('room names: inbox topics (@user) are not rooms; a dm: room is exactly dm:<a>:<b>, sorted', () => {
  assert.equal(roomProblem('lobby'), undefined);
  assert.equal(roomProblem(dmRoom('bob', 'alice')), undefined);
  assert.match(roomProblem('@bob')!, /inbox/);
  assert.match(roomProblem('dm:a:b:c')!, /two valid user ids/);
  assert.match(roomProblem('dm:bob:alice')!, /sorted/);
  assert.ok(roomProblem('line\nbreak'));
});

test('one access rule: DM rooms only for their two users, whatever the token\'s patterns', () => {
  assert.equal(mayRead('alice', undefined, 'dm:alice:bob'), true);
  assert.equal(mayRead('eve', undefined, 'dm:alice:bob'), false, 'a token without a rooms claim does not open DM rooms');
  assert.equal(mayRead('eve', ['*'], 'dm:alice:bob'), false);
  assert.equal(mayRead('b', undefined, 'dm:a:b:c'), false, 'an ambiguous DM name is no room at all');
  assert.equal(mayRead('bob', undefined, '@bob'), false, 'an inbox is never readable as a room');
  assert.equal(mayRead('kim', ['team-*'], 'team-a'), true);
  assert.equal(mayRead('kim', ['team-*'], 'other'), false);
});

test('glob patterns agree with a regular expression on 20,000 random cases', () => {
  const rand = rng(3);
  const alpha = ['a', 'b', '*', '.'];
  const word = (n: number) => Array.from({ length: Math.floor(rand() * n) }, () => alpha[Math.floor(rand() * alpha.length)]).join('');
  for (let i = 0; i < 20_000; i++) {
    const p = word(7), t = word(9).replaceAll('*', 'a');
    const re = new RegExp('^' + p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
    assert.equal(globMatch(p, t), re.test(t), `${p} vs ${t}`);
  }
});

test('a pattern that backtracks exponentially as a regular expression is matched within pattern × text steps', () => {
  // as a regex, a*a*a*a*a*b against 200 a's takes seconds; the glob matcher's work is counted, not timed
  const pattern = 'a*a*a*a*a*a*a*b';
  for (const n of [50, 200, 800]) {
    const room = 'a'.repeat(n);
    const steps = globSteps(pattern, room);
    assert.ok(steps < 0, 'no match');
    assert.ok(-steps <= (pattern.length + 1) * (n + 1), `${-steps} steps for ${n} characters`);
  }
  // linear in the text for a fixed pattern: four times the text, at most about four times the work
  assert.ok(-globSteps(pattern, 'a'.repeat(800)) <= 4.1 * -globSteps(pattern, 'a'.repeat(200)));
  assert.equal(globMatch('a*a*a*a*a*a', 'a'.repeat(200)), true);
  assert.ok(globSteps('a*a*a*a*a*a', 'a'.repeat(200)) > 0);
});

test('meta: deep, wide, BigInt, non-JSON values are refused at the decoder; body + meta is counted', () => {
  const send = (meta: unknown) => ({ op: 'send', room: 'r', id: 'm1', body: 'hi', meta }) as unknown as ClientFrame;
  const deep = decodeClientFrame(Buffer.from(`{"op":"send","room":"r","id":"m1","body":"x","meta":${deepJson(5000)}}`), false, 'json');
  assert.equal(deep.ok, false);
  if (!deep.ok) assert.match(deep.message, /levels deep/);
  const big = decodeClientFrame(encodeFrame(send({ n: 2n ** 63n - 1n }), 'msgpack'), true, 'msgpack');
  assert.equal(big.ok, false, 'a msgpack BigInt is refused');
  if (!big.ok) assert.match(big.message, /bigint/);
  const sized = decodeClientFrame(encodeFrame(send({ s: 'x'.repeat(1000) }), 'json'), false, 'json');
  assert.ok(sized.ok && sized.bytes === 2 + JSON.stringify({ s: 'x'.repeat(1000) }).length, 'meta counts toward the size checked against maxBody');
  const rand = rng(11);
  for (let i = 0; i < 300; i++) {
    const m = nastyMeta(rand);
    for (const fmt of ['json', 'msgpack'] as const) {
      const data = fmt === 'json' ? Buffer.from(`{"op":"send","room":"r","id":"m","body":"x","meta":${m.json}}`) : encodeFrame(send(m.value), 'msgpack');
      const r = decodeClientFrame(data, fmt === 'msgpack', fmt);
      if (m.valid) assert.ok(r.ok, `valid meta accepted (${fmt})`);
      else if (r.ok) {
        // accepted only when it is plain JSON within the limits, as the wide/huge JSON text variants may be
        assert.doesNotThrow(() => encodeFrame({ op: 'msg', room: 'r', seq: 1, id: 'm', from: 'u', ts: 0, body: 'x', meta: r.frame.op === 'send' ? r.frame.meta : {} }, 'msgpack'));
      }
    }
  }
});
