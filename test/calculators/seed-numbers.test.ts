import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionsByMemory, connectionsPerServer, serversNeeded } from '../../calculators/connections.js';
import { fleetWritesPerSec, writesOnSenderServer, writesPerMessage, writesPerSecPerServer } from '../../calculators/fanout.js';
import { avgMsgsPerSec, msgsPerDay } from '../../calculators/traffic.js';
import { busNodes } from '../../calculators/bus.js';

test('connection servers: the seed\'s worked numbers', () => {
  assert.equal(connectionsByMemory(28, 20), 1_468_006);
  const per = connectionsPerServer(28, 20, 1_000_000);
  assert.equal(per.binding, 'fds');
  assert.equal(per.connections, 1_000_000);
  assert.equal(connectionsPerServer(28, 20, 2_000_000).binding, 'memory');
  assert.equal(serversNeeded(10_000_000, per.connections), 10);
  assert.equal(serversNeeded(10_000_000, per.connections, 2), 20);
});

test('fan-out: the seed\'s 500-member room over 10 servers', () => {
  assert.equal(writesPerMessage(500), 499);
  assert.equal(writesOnSenderServer(500, 10), 49);
  assert.equal(writesOnSenderServer(50, 3125), 0, 'a room spread thinner than one member per server: the sender is alone on its server');
  assert.equal(fleetWritesPerSec(1000, 500), 499_000);
  assert.equal(writesPerSecPerServer(1000, 500, 10), 49_900);
});

test('traffic: 20,000,000 users x 30 messages a day', () => {
  assert.equal(msgsPerDay(20_000_000, 30), 600_000_000);
  assert.equal(Math.round(avgMsgsPerSec(20_000_000, 30)), 6944);
});

test('bus nodes: the binding constraint is named', () => {
  assert.deepEqual(busNodes(50_000, 100_000, 10_000, 1_000_000), { nodes: 1, binding: 'subscriptions', bySubscriptions: 1, byThroughput: 1 });
  assert.equal(busNodes(50_000, 100_000, 3_500_000, 1_000_000).binding, 'throughput');
});
