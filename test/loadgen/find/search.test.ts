import assert from 'node:assert/strict';
import { test } from 'node:test';
import { searchKnee } from '../../../loadgen/find/search.js';

const knee = (n: number, generatorAt = Infinity) => async (v: number) => ({ ok: v <= n, generatorBound: v >= generatorAt });

test('search: geometric steps bracket the knee, bisection narrows it to the tolerance', async () => {
  for (const n of [37, 100, 1000, 4321]) {
    const r = await searchKnee({ from: 10, to: 100_000, factor: 2, tolerance: 0.05, integer: true }, knee(n));
    assert.equal(r.stopped, 'knee');
    assert.ok(r.highestOk!.value <= n && r.firstBroken!.value > n, `n=${n}: ${r.highestOk!.value}..${r.firstBroken!.value}`);
    assert.ok((r.firstBroken!.value - r.highestOk!.value) / r.highestOk!.value <= 0.05 || r.firstBroken!.value - r.highestOk!.value === 1);
    // steps go up by the factor until the first break
    const geo = r.steps.slice(0, r.steps.findIndex((s) => !s.verdict.ok) + 1).map((s) => s.value);
    for (let i = 1; i < geo.length; i++) assert.equal(geo[i], Math.min(100_000, geo[i - 1] * 2));
  }
});

test('search: a step the generator decided, again when repeated, stops the search there; a first step that breaks says so; --to caps it', async () => {
  const g = await searchKnee({ from: 10, to: 10_000, factor: 2, tolerance: 0.05, integer: true }, knee(1000, 80));
  assert.equal(g.stopped, 'generator');
  assert.deepEqual(g.steps.map((s) => s.value), [10, 20, 40, 80, 80]);
  assert.equal(g.highestOk!.value, 40);
  const none = await searchKnee({ from: 10, to: 10_000, factor: 2, tolerance: 0.05, integer: true, retries: 0 }, knee(1000, 80));
  assert.deepEqual(none.steps.map((s) => s.value), [10, 20, 40, 80]);
  const f = await searchKnee({ from: 10, to: 10_000, factor: 2, tolerance: 0.05, integer: true }, knee(5));
  assert.equal(f.stopped, 'first_step_broken');
  assert.equal(f.steps.length, 1);
  const m = await searchKnee({ from: 10, to: 100, factor: 2, tolerance: 0.05, integer: true }, knee(1000));
  assert.equal(m.stopped, 'max_reached');
  assert.deepEqual(m.steps.map((s) => s.value), [10, 20, 40, 80, 100]);
  const rate = await searchKnee({ from: 0.5, to: 100, factor: 2, tolerance: 0.02, integer: false }, knee(7.3));
  assert.ok(rate.highestOk!.value <= 7.3 && rate.firstBroken!.value > 7.3 && rate.highestOk!.value > 7.3 * 0.97);
});

test('search: a step the generator decided once, then the gateway on its repeat, counts the repeat', async () => {
  // the generator is late at the first try of 160 only (a GC, a neighbour): the search goes on
  let late = true;
  const probe = async (v: number) => {
    const generatorBound = v === 160 && late;
    if (generatorBound) late = false;
    return { ok: v <= 100, generatorBound };
  };
  const r = await searchKnee({ from: 20, to: 10_000, factor: 2, tolerance: 0.05, integer: true }, probe);
  assert.equal(r.stopped, 'knee');
  assert.deepEqual(r.steps.slice(0, 5).map((s) => [s.value, !!s.verdict.generatorBound]), [[20, false], [40, false], [80, false], [160, true], [160, false]]);
  assert.ok(r.highestOk!.value <= 100 && r.firstBroken!.value > 100);
});
