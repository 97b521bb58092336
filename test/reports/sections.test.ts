import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Plan } from '../../calculators/plan.js';
import type { RunResult } from '../../loadgen/result.js';
import { sections } from '../../reports/sections.js';

const run = JSON.parse(readFileSync('test/fixtures/run.json', 'utf8')) as RunResult;
const plan = JSON.parse(readFileSync('test/fixtures/plan.json', 'utf8')) as Plan;

test('the sections carry the run\'s own figures: machine, thresholds with their verdict, the ledger', () => {
  const all = sections({ ...run, thresholds: [{ expr: 'lost == 0', ok: false, actual: 3 }] as RunResult['thresholds'] }, []);
  const by = (t: string) => all.find((s) => s.title.startsWith(t))!;
  assert.deepEqual(by('Machine').table!.rows[0].slice(0, 2), [run.machine.cpus, run.machine.cpu_model]);
  const th = by('Thresholds').table!;
  assert.deepEqual(th.rows[0], ['lost == 0', '3', 'FAILED']);
  assert.deepEqual(th.bad, [true]);
  assert.ok(JSON.stringify(by('Delivery ledger').table).includes(run.ledger.delivered.toLocaleString('en-US')));
});

test('with a plan, every capacity figure is marked measured or modeled', () => {
  const cap = sections(run, [], plan).find((s) => s.title.startsWith('Capacity'));
  assert.ok(cap, 'a capacity section with a plan');
  const text = JSON.stringify(cap);
  assert.match(text, /modeled|measured/);
});
