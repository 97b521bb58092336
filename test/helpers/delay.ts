/** A gateway that holds every delivery `ms` from the moment fan-out receives it (the true latency of a test). */
import { nowMs } from '../../loadgen/measure/clock.js';
import { newHist, type Hist } from '../../loadgen/measure/histogram.js';
import type { Envelope } from '../../server/broker/broker.js';
import type { Gateway } from '../../server/gateway.js';

/** What holdDeliveries returns: stop, and the holds it really applied (µs, in the generator's own histogram kind). */
export interface Hold {
  (): void;
  /** each delivery's real hold: the requested one plus Node's timer overshoot (up to 1–1.5 ms on some VMs) */
  readonly held: Hist;
}

/**
 * Delays every delivery of `gw` by `ms` (while `when()` holds): one FIFO, one timer for its head.
 * Node's timers fire late by a fraction of a millisecond or more, so it records each real hold: a test
 * compares what the generator measured with those, not with `ms`. Call the result to stop.
 */
export function holdDeliveries(gw: Gateway, ms: number, when: () => boolean = () => true): Hold {
  const rooms = gw.ctx.rooms;
  const deliver = rooms.deliver.bind(rooms);
  const queue: { at: number; env: Envelope }[] = [];
  const held = newHist();
  let timer: NodeJS.Timeout | undefined;
  const pump = () => {
    timer = undefined;
    const t = nowMs();
    while (queue.length && queue[0].at + ms <= t) {
      const q = queue.shift()!;
      held.recordValue(Math.round((t - q.at) * 1000));
      deliver(q.env);
    }
    if (queue.length) timer = setTimeout(pump, Math.max(0, Math.ceil(queue[0].at + ms - t)));
  };
  rooms.deliver = (env: Envelope) => {
    if (!when() && !queue.length) return deliver(env);
    queue.push({ at: nowMs(), env });
    if (!timer) timer = setTimeout(pump, ms);
  };
  return Object.assign(() => clearTimeout(timer), { held });
}
