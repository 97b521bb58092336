/** What the coordinator hands one agent: its share of users (whole rooms) and where to aim. */
import type { Scenario } from '../scenario/scenario.js';

export interface AgentPlan {
  scenario: Scenario;
  agent: number;
  /** virtual user ids [first, end): whole rooms, so fan-out latency is measured in one process */
  first: number;
  end: number;
  target: string;
  /** every gateway node's URL (a fleet): users spread over them and move to the next on reconnect */
  targets: string[];
  /** run id: prefixes user and room names so every run starts on fresh rooms */
  run: string;
  /** epoch ms when the run starts (common to all agents) */
  t0: number;
  addresses: string[];
  /** signs per-user tokens (local agents only: a plan sent through Redis never carries it) */
  jwtSecret?: string;
  /** 'jwt' when the gateway needs tokens: a remote agent signs them with the secret it was started with */
  auth?: 'jwt';
  /** URL of the gateway's admin route for server-close storms, when the run started the gateway */
  admin?: string;
}

/**
 * Node flags of an agent process. A young generation capped at 4 MiB per semi-space: at the default
 * (16 MiB) V8 grows it to ~30 MiB while a ramp's handshakes churn, and never gives it back — at
 * 10,000 sockets that alone was 3 KiB per socket of RSS (measured by `npm run bench:loadgen`).
 * `gc` exposed, so the scheduler collects that young generation in gaps between sends (young-gc.ts).
 * Both are allowed in NODE_OPTIONS, which is how a Kubernetes agent gets them.
 */
export const AGENT_NODE_FLAGS = ['--max-semi-space-size=4', '--expose-gc'];

/** The HTTP base of a gateway's WebSocket URL (same host and port): ws://h:p/?x -> http://h:p */
export const httpBase = (target: string): string => target.replace(/^ws/, 'http').replace(/\/?(\?.*)?$/, '');

export const roomOf = (plan: AgentPlan, vu: number): string => `${plan.run}-room${Math.floor(vu / plan.scenario.rooms.size)}`;
export const userOf = (plan: AgentPlan, vu: number): string => `${plan.run}-u${vu}`;
