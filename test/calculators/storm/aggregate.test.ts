import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateStorm, eventsStorm, STORM_DEFAULTS, type StormInput } from '../../../calculators/storm/index.js';

const base: StormInput = { ...STORM_DEFAULTS, clients: 200_000, servers: 10, kill: 3, acceptRatePerServer: 2000, horizonS: 120 };

test('full jitter spreads a storm\'s peak by the expected factor against no jitter', () => {
  const open = { ...base, acceptRatePerServer: Infinity, baseMs: 5000 };
  const none = aggregateStorm({ ...open, policy: 'none' }).summary.peakArrivalsPerSec;
  const full = aggregateStorm({ ...open, policy: 'full-jitter' }).summary.peakArrivalsPerSec;
  const ev = eventsStorm({ ...open, policy: 'full-jitter' }).summary.peakArrivalsPerSec;
  // first attempts spread uniformly over base = 5 s: the per-second peak falls 5-fold
  assert.ok(Math.abs(none / full - 5) / 5 < 0.03, `none ${none} / full ${full}`);
  assert.ok(Math.abs(none / ev - 5) / 5 < 0.03, `none ${none} / events ${ev}`);
});

for (const policy of ['none', 'exponential', 'full-jitter', 'equal-jitter', 'decorrelated-jitter'] as const) {
  test(`${policy}: both engines conserve clients and agree within 3% on time to recover`, () => {
    // without jitter every retry wave lands in one step: only a large accept budget recovers in time
    const input = { ...base, policy, capMs: 8000, audit: true, acceptRatePerServer: policy === 'exponential' ? 100_000 : base.acceptRatePerServer };
    const a = aggregateStorm(input);
    const e = eventsStorm(input);
    for (const r of [a, e]) {
      r.curves.connected.forEach((c, t) => {
        assert.ok(Math.abs(c + r.curves.waiting[t] - input.clients) < 1e-3 * input.clients, `${r.engine} second ${t + 1}: ${c} + ${r.curves.waiting[t]} != ${input.clients}`);
      });
    }
    assert.ok(a.summary.timeTo99S !== null && e.summary.timeTo99S !== null, 'both recover within the horizon');
    const d = Math.abs(a.summary.timeTo99S! - e.summary.timeTo99S!) / e.summary.timeTo99S!;
    assert.ok(d <= 0.03, `aggregate ${a.summary.timeTo99S} s vs events ${e.summary.timeTo99S} s`);
    assert.equal(a.summary.dropped, 60_000);
    // 99% of all clients back = about 96.7% of the dropped ones: between their p90 and their max
    const rs = e.summary.reconnectS!;
    assert.ok(rs.p90 <= e.summary.timeTo99S! + 0.01 && e.summary.timeTo99S! <= rs.max + 0.01, JSON.stringify(rs));
  });
}

test('exponential backoff without jitter does not recover within the horizon at a modest accept rate', () => {
  const a = aggregateStorm({ ...base, policy: 'exponential', capMs: 8000 });
  const e = eventsStorm({ ...base, policy: 'exponential', capMs: 8000 });
  assert.equal(a.summary.timeTo99S, null);
  assert.equal(e.summary.timeTo99S, null);
});

test('a connection cap the survivors cannot hold leaves clients waiting: no recovery is claimed', () => {
  const r = aggregateStorm({ ...base, connCapPerServer: 25_000 });
  assert.equal(r.summary.timeTo99S, null);
  assert.equal(r.curves.connected[r.curves.connected.length - 1], 175_000);
});
