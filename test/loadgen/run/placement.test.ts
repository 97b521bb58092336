import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pinnedCommand, placementLine, splitCpus } from '../../../loadgen/run/placement.js';

test('the gateway gets CPU 0 and the generator the rest; one CPU is not split', () => {
  assert.equal(splitCpus(1), undefined);
  assert.deepEqual(splitCpus(2), { gateway: '0', generator: '1' });
  assert.deepEqual(splitCpus(16), { gateway: '0', generator: '1-15' });
});

test('a pinned gateway starts under taskset, an unpinned one as it is, and the summary line says which', () => {
  assert.deepEqual(pinnedCommand({ gateway: '0', generator: '1' }, ['node', 'bfg.js', 'serve']), ['taskset', ['-c', '0', 'node', 'bfg.js', 'serve']]);
  assert.deepEqual(pinnedCommand({ unpinned: 'x' }, ['node', 'bfg.js']), ['node', ['bfg.js']]);
  assert.match(placementLine({ unpinned: 'one CPU' })!, /not pinned \(one CPU\)/);
  assert.equal(placementLine(undefined), undefined);
});
