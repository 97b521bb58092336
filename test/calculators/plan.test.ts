import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planInputs } from '../../calculators/inputs.js';
import { makePlan } from '../../calculators/plan.js';

const fig = (p: ReturnType<typeof makePlan>, name: string) => p.figures.find((f) => f.name === name)?.value;

test('the lowest of memory and fds binds the connections per server, and servers follow from it', () => {
  const mem = makePlan(planInputs({ usable_ram_gib: 2, process_base_mib: 1024, mem_per_conn_kib: 1, fd_limit: 10_000_000, target_connections: 2_000_000 }));
  assert.equal(fig(mem, 'connections per server'), 1024 * 1024, '(2 GiB − 1 GiB base) / 1 KiB');
  assert.match(mem.binding.connections, /memory/);
  assert.equal(fig(mem, 'servers for the target'), 2);
  const fds = makePlan(planInputs({ fd_limit: 1000, target_connections: 2500 }));
  assert.equal(fig(fds, 'connections per server'), 1000);
  assert.match(fds.binding.connections, /fd/);
  assert.equal(fig(fds, 'servers for the target'), 3);
});

test('a measured SLO knee below the modeled limit binds, and says it was measured', () => {
  const p = makePlan(planInputs({ slo_connections_per_server: 5000, target_connections: 20_000 }));
  assert.equal(fig(p, 'connections per server'), 5000);
  assert.match(p.binding.connections, /SLO knee \(measured\)/);
  assert.equal(fig(p, 'servers for the target'), 4);
});

test('a server whose heartbeats alone take every core is refused', () => {
  assert.throws(() => makePlan(planInputs({ cores_per_server: 1, heartbeat_s: 1, heartbeat_us: 100, fd_limit: 1_000_000, mem_per_conn_kib: 1 })), /heartbeats alone take/);
});
