/** Redis keys and streams of distributed runs. */
export const agentKey = (name: string): string => `bfg:agent:${name}`;
export const ctlStream = (name: string): string => `bfg:ctl:${name}`;
export const runStream = (run: string): string => `bfg:run:${run}`;
export const AGENT_TTL_MS = 3000;

/** What a live agent says about itself (refreshed every second, gone 3 s after it dies). */
export interface AgentInfo { name: string; capacity: number; addresses: string[]; offsetMs: number; boundMs: number; busy: boolean }
