import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BfgError } from '../../protocol/index.js';
import { PLAN_FIELDS, planInputs } from '../../calculators/inputs.js';

test('defaults fill what is not given, and the result is frozen', () => {
  const i = planInputs({ target_connections: 1000 });
  assert.equal(i.target_connections, 1000);
  assert.equal(i.mem_per_conn_kib, PLAN_FIELDS.mem_per_conn_kib.d);
  assert.equal(i.policy, 'full-jitter');
  assert.ok(Object.isFrozen(i));
});

test('every bad input is named in one error', () => {
  try {
    planInputs({ target_connections: -1, fd_limit: 1.5, nonsense: 1, slo_connections_per_server: 0, policy: 'yolo' });
    assert.fail('accepted bad inputs');
  } catch (err) {
    assert.ok(err instanceof BfgError);
    assert.equal(err.code, 'bad_option');
    for (const k of ['target_connections', 'fd_limit', 'nonsense', 'slo_connections_per_server', 'policy']) assert.match(err.message, new RegExp(k));
  }
});
