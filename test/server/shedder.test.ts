import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HOLD_MAX_FACTOR, Shedder, nextLevel, pressureLevel, type ShedSignals, type ShedState } from '../../server/shedder.js';

const th = { loopMs: 50, outboxBytes: 1000, recoverMs: 1000 };
const sig = (loopP99Ms: number, outboxBytes = 0, storeDown = false): ShedSignals => ({ loopP99Ms, outboxBytes, storeDown });
const calm = sig(0), hot = sig(60), hotter = sig(150), hottest = sig(300);

describe('shedder', () => {
  test('the level follows the worst signal: 1x a threshold sheds typing, 2x receipts, 4x history; a failing store everything', () => {
    assert.equal(pressureLevel(calm, th), 0);
    assert.equal(pressureLevel(sig(50), th), 0, 'at the threshold: not yet');
    assert.equal(pressureLevel(hot, th), 1);
    assert.equal(pressureLevel(hotter, th), 2);
    assert.equal(pressureLevel(hottest, th), 3);
    assert.equal(pressureLevel(sig(0, 2500), th), 2, 'the outbox alone');
    assert.equal(pressureLevel(sig(0, 0, true), th), 3, 'the store breaker alone');
    // message latency on the node: a slow bus or store that the event loop does not show
    const withLat = { ...th, latencyMs: 100 };
    assert.equal(pressureLevel({ ...calm, deliveryP99Ms: 250 }, withLat), 2);
    assert.equal(pressureLevel({ ...calm, deliveryP99Ms: 100 }, withLat), 0);
    assert.equal(pressureLevel({ ...calm, deliveryP99Ms: 50 }, withLat, 0.5), 0, 'calm at half the threshold');
  });

  test('levels rise one a window while the overload lasts (a failing store: at once) and are given back one at a time, each after the hold of calm', () => {
    let st: ShedState = { level: 0, calmSince: null, holdMs: 1000, downAt: 0, ramp: 1 };
    assert.equal(nextLevel(st, sig(0, 0, true), th, 0).level, 3, 'the store breaker: everything at once');
    const spike = nextLevel(nextLevel(st, hottest, th, 0), calm, th, 100);
    assert.equal(spike.level, 1, 'one window of spike sheds typing only');
    st = nextLevel(st, hottest, th, 0);
    st = nextLevel(st, hottest, th, 0);
    assert.equal(st.level, 2);
    st = nextLevel(st, hottest, th, 0);
    assert.equal(st.level, 3);
    // not calm: under the threshold but not under half of it
    for (let t = 100; t <= 3000; t += 100) st = nextLevel(st, sig(40), th, t);
    assert.equal(st.level, 1, 'sig(40) is under 2x and 4x (levels 3, 2 given back) but not under half of 1x');
    st = nextLevel(st, calm, th, 3100);
    assert.equal(st.level, 1, 'calm has only begun');
    st = nextLevel(st, calm, th, 4099);
    assert.equal(st.level, 1);
    st = nextLevel(st, calm, th, 4100);
    assert.equal(st.level, 0);
    // typing, given back, comes back a sixteenth first, doubling each window without overload
    const ramps = [st.ramp];
    for (let t = 4200; t <= 4600; t += 100) ramps.push((st = nextLevel(st, calm, th, t)).ramp);
    assert.deepEqual(ramps, [1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 1]);
    // between half the threshold and the threshold the share is held, neither let in further nor shed
    const held = nextLevel({ ...st, ramp: 1 / 4 }, sig(40), th, 5000);
    assert.deepEqual([held.level, held.ramp], [0, 1 / 4]);
  });

  test('a kind given back is let through at its ramp\'s share, the kind above it not at all', () => {
    const sh = new Shedder(th, true, () => ({ outboxBytes: 0, storeDown: false }));
    sh.tick(0, 60); // level 1: typing shed
    for (let t = 100; t <= 1100; t += 100) sh.tick(t, 0); // calm from 100; given back at 1100
    assert.equal(sh.level, 0);
    let through = 0;
    for (let i = 0; i < 16_000; i++) if (!sh.sheds('typing')) through++;
    assert.ok(through > 500 && through < 1500, `about a sixteenth let through (${through} of 16000)`);
    assert.equal(sh.sheds('read'), false);
    sh.stop();
  });

  test('load that comes straight back doubles the hold, up to its cap; a long calm resets it', () => {
    let st: ShedState = { level: 0, calmSince: null, holdMs: 1000, downAt: 0, ramp: 1 };
    let t = 0;
    const holds: number[] = [];
    for (let round = 0; round < 8; round++) {
      st = nextLevel(st, hot, th, (t += 100));
      assert.equal(st.level, 1);
      holds.push(st.holdMs);
      st = nextLevel(st, calm, th, (t += 100));
      st = nextLevel(st, calm, th, (t += st.holdMs));
      assert.equal(st.level, 0, `round ${round}: given back after the hold`);
    }
    assert.deepEqual(holds, [1000, 2000, 4000, 8000, 16000, 16000, 16000, 16000].map((x) => Math.min(x, HOLD_MAX_FACTOR * 1000)));
    st = nextLevel(st, calm, th, (t += 2 * st.holdMs));
    st = nextLevel(st, hot, th, (t += 100));
    assert.equal(st.holdMs, 1000, 'after two holds of calm the hold starts over');
  });

  test('--no-shed reads the signals (for /health) and never sheds', () => {
    const on = new Shedder(th, true, () => ({ outboxBytes: 0, storeDown: false }));
    const off = new Shedder(th, false, () => ({ outboxBytes: 0, storeDown: false }));
    for (let t = 0; t < 3; t++) { on.tick(t, 500); off.tick(t, 500); }
    assert.deepEqual(on.shed, ['typing', 'read', 'history']);
    assert.equal(on.sheds('typing') && on.sheds('history'), true);
    assert.equal(off.level, 0);
    assert.equal(off.sheds('typing'), false);
    assert.equal(off.last.loopP99Ms, 500);
    on.stop(); off.stop();
  });
});
