/** A gateway that holds every delivery `ms` from the moment fan-out receives it (the true latency of a test). */
import { nowMs } from '../../loadgen/measure/clock.js';
import type { Envelope } from '../../server/broker/broker.js';
import type { Gateway } from '../../server/gateway.js';

/**
 * Delays every delivery of `gw` by `ms` (while `when()` holds): one FIFO, one wake for its head. A
 * timer brings it to within 2 ms of the head's due time and setImmediate waits out the rest: Node's
 * millisecond timers alone overshot by 1–1.5 ms on some VMs, which the test would read as latency.
 * Returns stop.
 */
export function holdDeliveries(gw: Gateway, ms: number, when: () => boolean = () => true): () => void {
  const rooms = gw.ctx.rooms;
  const deliver = rooms.deliver.bind(rooms);
  const queue: { due: number; env: Envelope }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let spin: NodeJS.Immediate | undefined;
  let stopped = false;
  const arm = (wait: number) => {
    if (wait > 2) timer = setTimeout(pump, Math.floor(wait - 2));
    else spin = setImmediate(pump);
  };
  const pump = () => {
    timer = spin = undefined;
    if (stopped) return;
    const t = nowMs();
    while (queue.length && queue[0].due <= t) deliver(queue.shift()!.env);
    if (queue.length) arm(queue[0].due - t);
  };
  rooms.deliver = (env: Envelope) => {
    if (!when() && !queue.length) return deliver(env);
    queue.push({ due: nowMs() + ms, env });
    if (!timer && !spin) arm(ms);
  };
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (spin) clearImmediate(spin);
  };
}
