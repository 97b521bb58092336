/** The scenario's config helpers: templates split once into text and placeholders, and the stages' length. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTemplate, stagesLength } from '../../../loadgen/scenario/config.js';

test('a template splits into literal text and named holes, spaces inside the braces allowed', () => {
  const c = compileTemplate('{"op":"pub","room":"{{room}}","data":{{ stamp }}}');
  assert.deepEqual(c.parts, ['{"op":"pub","room":"', 'room', '","data":', 'stamp', '}']);
  assert.deepEqual(c.holes, [false, true, false, true, false]);
  assert.deepEqual(compileTemplate('no holes'), { parts: ['no holes'], holes: [false] });
});

test('an unknown placeholder is refused, naming the known ones', () => {
  assert.throws(() => compileTemplate('{{secret}}'), /unknown placeholder \{\{secret\}\} \(known: user, room, id, stamp, body\)/);
});

test('the stages last as long as their durations together', () => {
  assert.equal(stagesLength([{ duration_s: 5, users: 10 }, { duration_s: 2.5 }, { duration_s: 10, rate_per_room: 3 }]), 17.5);
  assert.equal(stagesLength([]), 0);
});
