/**
 * Who this agent's users are and which rooms they are in: one room per user by the plan, or rooms
 * drawn from the scenario's mix over this agent's users only (rooms never span agents).
 */
import type { Spread } from '../measure/spread.js';
import { assignClasses, buildRooms, isMix, sizeMixOf } from './mix.js';
import { roomOf, userOf, type AgentPlan } from './plan.js';
import { Vu } from './vu.js';

/** The agent's users and each group room's members among them. */
export interface Population { vus: Vu[]; rooms: Map<string, Vu[]> }

/** Builds the users of `plan` (each room's latency spread from `spread`) and indexes them by room. */
export function populate(plan: AgentPlan, spread: (room: string) => Spread): Population {
  const vus = isMix(plan.scenario) ? mixed(plan, spread) : [];
  if (!vus.length) for (let id = plan.first; id < plan.end; id++) {
    const room = roomOf(plan, id);
    vus.push(new Vu(id, userOf(plan, id), room, spread(room)));
  }
  const rooms = new Map<string, Vu[]>();
  for (const vu of vus) {
    for (const room of [vu.room, ...(vu.extra ?? [])]) (rooms.get(room) ?? rooms.set(room, []).get(room)!).push(vu);
  }
  return { vus, rooms };
}

/** rooms drawn from the scenario's mix; the seed makes every agent's draw reproducible */
function mixed(plan: AgentPlan, spread: (room: string) => Spread): Vu[] {
  const s = plan.scenario, vus: Vu[] = [];
  const seed = (parseInt(plan.run, 16) || 1) ^ Math.imul(plan.first + 1, 0x9e3779b1);
  const { members, of } = buildRooms(plan.first, plan.end, sizeMixOf(s), s.rooms.per_user, seed);
  const names = members.map((_, r) => `${plan.run}-m${plan.first}-${r}`);
  const cls = s.classes ? assignClasses(plan.first, plan.end, s.classes, seed) : undefined;
  for (let id = plan.first; id < plan.end; id++) {
    const mine = of[id - plan.first];
    // a user the deal left without a room (a seat short at the end) is alone in one
    const main = mine.length ? names[mine[0]] : `${plan.run}-solo${id}`;
    const vu = new Vu(id, userOf(plan, id), main, spread(main));
    if (mine.length > 1) vu.extra = mine.slice(1).map((r) => names[r]);
    if (cls) vu.cls = cls[id - plan.first];
    vus.push(vu);
  }
  return vus;
}
