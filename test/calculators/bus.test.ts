import assert from 'node:assert/strict';
import { test } from 'node:test';
import { subscriptionsPerServer } from '../../calculators/bus.js';
import { rng } from '../helpers/fuzz.js';

test('expected subscriptions per server match a Monte Carlo placement within 1%', () => {
  const classes = [{ rooms: 3000, members: 3 }, { rooms: 2000, members: 12 }, { rooms: 500, members: 80 }];
  const servers = 16;
  const rand = rng(5);
  const trials = 20;
  let subs = 0;
  for (let t = 0; t < trials; t++) {
    for (const c of classes) {
      for (let r = 0; r < c.rooms; r++) {
        const on = new Set<number>();
        for (let m = 0; m < c.members; m++) on.add(Math.floor(rand() * servers));
        subs += on.size;
      }
    }
  }
  const measured = subs / trials / servers;
  const formula = subscriptionsPerServer(classes, servers);
  assert.ok(Math.abs(measured - formula) / formula < 0.01, `Monte Carlo ${measured} vs formula ${formula}`);
});
