/** An agent plan for tests: a scenario's users on one agent against a target, starting shortly. */
import type { AgentPlan } from '../../loadgen/agent/plan.js';
import { loadScenario } from '../../loadgen/scenario/scenario.js';

export function testPlan(sets: string[], target = 'ws://127.0.0.1:9', scenario = 'scenarios/room-fanout.yaml'): AgentPlan {
  const s = loadScenario(scenario, sets);
  return { scenario: s, agent: 0, first: 0, end: s.users, target: `${target}/`, targets: [`${target}/`], run: 'ab12cd', t0: Date.now() + 300, addresses: [] };
}
