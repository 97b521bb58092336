import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { METRICS, scenarioSchema } from '../../../loadgen/scenario/schema.js';

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false });
const check = ajv.compile(scenarioSchema);

test('the schema fills defaults and refuses unknown fields and bad ranges, naming each', () => {
  const s: Record<string, unknown> = { name: 'x', users: 10 };
  assert.ok(check(s), JSON.stringify(check.errors));
  assert.equal((s.serve as { nodes: number }).nodes, 1, 'a default filled in');
  assert.equal(check({ name: 'x', users: 0, nonsense: 1, target: 'http://a' }), false);
  const paths = (check.errors ?? []).map((e) => `${e.instancePath} ${e.keyword} ${JSON.stringify(e.params)}`).join('\n');
  assert.match(paths, /\/users minimum/);
  assert.match(paths, /additionalProperties.*nonsense/);
  assert.match(paths, /\/target pattern/);
});

test('the threshold metrics are unique names', () => {
  assert.equal(new Set(METRICS).size, METRICS.length);
});
