/** The agent process: receives its plan over IPC, runs it, streams progress, returns its result. */
import { Agent } from './agent.js';
import type { AgentPlan } from './plan.js';
import { isPluginPath, loadPlugin } from '../protocols/plugin.js';

process.once('message', async (plan: AgentPlan) => {
  const fail = (err: unknown) => process.send!({ error: String((err as Error)?.stack ?? err) }, () => process.exit(2));
  // a plugin protocol is imported before the agent builds its adapter (adapterFor is synchronous)
  if (isPluginPath(plan.scenario.protocol)) await loadPlugin(plan.scenario.protocol).catch(fail);
  const agent = new Agent(plan, (p) => process.send?.({ progress: p }));
  agent.run().then(
    (result) => process.send!({ result }, () => process.exit(0)),
    fail,
  );
});
