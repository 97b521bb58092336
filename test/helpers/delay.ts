/** A gateway that holds every delivery `ms` from the moment fan-out receives it (the true latency of a test). */
import { nowMs } from '../../loadgen/measure/clock.js';
import type { Envelope } from '../../server/broker/broker.js';
import type { Gateway } from '../../server/gateway.js';

/** What holdDeliveries returns: stop, and the holds it really applied (ms, in delivery order). */
export interface Hold {
  (): void;
  /** each delivery's real hold: the requested one plus Node's timer overshoot (up to 1–1.5 ms on some VMs) */
  readonly held: number[];
}

/** the p-th percentile (0–100) of a list of numbers, nearest rank */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/**
 * Delays every delivery of `gw` by `ms` (while `when()` holds): one FIFO, one timer for its head.
 * Node's timers fire late by a fraction of a millisecond or more, so it records each real hold: a test
 * compares what the generator measured with those, not with `ms`. Call the result to stop.
 */
export function holdDeliveries(gw: Gateway, ms: number, when: () => boolean = () => true): Hold {
  const rooms = gw.ctx.rooms;
  const deliver = rooms.deliver.bind(rooms);
  const queue: { at: number; due: number; env: Envelope }[] = [];
  const held: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  const pump = () => {
    timer = undefined;
    const t = nowMs();
    while (queue.length && queue[0].due <= t) {
      const q = queue.shift()!;
      held.push(t - q.at);
      deliver(q.env);
    }
    if (queue.length) timer = setTimeout(pump, Math.max(0, Math.ceil(queue[0].due - t)));
  };
  rooms.deliver = (env: Envelope) => {
    if (!when() && !queue.length) return deliver(env);
    const at = nowMs();
    queue.push({ at, due: at + ms, env });
    if (!timer) timer = setTimeout(pump, ms);
  };
  return Object.assign(() => clearTimeout(timer), { held });
}
