/** The agent process: receives its plan over IPC, runs it, streams progress, returns its result. */
import { Agent } from './agent.js';
import type { AgentPlan } from './plan.js';

process.once('message', (plan: AgentPlan) => {
  const agent = new Agent(plan, (p) => process.send?.({ progress: p }));
  agent.run().then(
    (result) => process.send!({ result }, () => process.exit(0)),
    (err) => process.send!({ error: String((err as Error)?.stack ?? err) }, () => process.exit(2)),
  );
});
