/** A gateway that holds every delivery `ms` from the moment fan-out receives it (the true latency of a test). */
import { nowMs } from '../../loadgen/measure/clock.js';
import type { Envelope } from '../../server/broker/broker.js';
import type { Gateway } from '../../server/gateway.js';

/** Delays every delivery of `gw` by `ms` (while `when()` holds): one FIFO, one timer for its head (Node's overshoot, a fraction of a ms, adds). Returns stop. */
export function holdDeliveries(gw: Gateway, ms: number, when: () => boolean = () => true): () => void {
  const rooms = gw.ctx.rooms;
  const deliver = rooms.deliver.bind(rooms);
  const queue: { due: number; env: Envelope }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const pump = () => {
    timer = undefined;
    const t = nowMs();
    while (queue.length && queue[0].due <= t) deliver(queue.shift()!.env);
    if (queue.length) timer = setTimeout(pump, Math.max(0, Math.ceil(queue[0].due - t)));
  };
  rooms.deliver = (env: Envelope) => {
    if (!when() && !queue.length) return deliver(env);
    queue.push({ due: nowMs() + ms, env });
    if (!timer) timer = setTimeout(pump, ms);
  };
  return () => clearTimeout(timer);
}
