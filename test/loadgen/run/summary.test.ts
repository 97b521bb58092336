import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { RunResult } from '../../../loadgen/result.js';
import { REALTIME, REALTIME_REFUSED } from '../../../loadgen/run/placement.js';
import { summary } from '../../../loadgen/run/summary.js';

const run = JSON.parse(readFileSync('test/fixtures/run.json', 'utf8')) as RunResult;

test('the summary gives the ledger, the latency, where each side ran, and the verdict', () => {
  const text = summary({ ...run, placement: { gateway: '0', generator: '1', agents: REALTIME }, trusted: true, untrusted_reasons: [] });
  assert.match(text, new RegExp(`delivery ledger: expected ${run.ledger.expected}, delivered ${run.ledger.delivered}`));
  assert.match(text, /latency \(ms, measured/);
  assert.match(text, /placement: gateway on CPU 0, generator \(coordinator and agents\) on CPU 1 \(taskset\); agents at SCHED_FIFO priority 1 \(chrt\)/);
  assert.match(text, /measurement trusted/);
  assert.match(text, new RegExp(`result: ${run.passed ? 'PASS' : 'FAIL'}`));
});

test('an untrusted run says why and what to change', () => {
  const text = summary({ ...run, placement: { unpinned: 'one CPU: the gateway and the generator share it' }, trusted: false,
    untrusted_reasons: ['generator send lag p99 3 ms > 10% of the latency p99 5 ms it reports: the agent was too busy'] });
  assert.match(text, /UNTRUSTED: generator send lag/);
  assert.match(text, /placement: not pinned \(one CPU/);
  assert.match(text, /to make it trusted: run the generator on CPUs the gateway does not use/);
});

test('a pinned run late on its sends says how to make it trusted: real-time agents where they were refused, else less per agent', () => {
  const late = ['generator send lag p99 3 ms > 10% of the latency p99 5 ms it reports: the agent was too busy'];
  const refused = summary({ ...run, placement: { gateway: '0', generator: '1', agents: REALTIME_REFUSED }, trusted: false, untrusted_reasons: late });
  assert.match(refused, /agents at normal priority: chrt was refused/);
  assert.match(refused, /to make it trusted: run bfg as root \(or with CAP_SYS_NICE\)/);
  const raised = summary({ ...run, placement: { gateway: '0', generator: '1', agents: REALTIME }, trusted: false, untrusted_reasons: late });
  assert.match(raised, /to make it trusted: the generator is late against a latency this small/);
});
