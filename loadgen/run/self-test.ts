/**
 * `bfg load --self-test`: the generator's own floor on this machine. An in-process `ws` echo on
 * loopback and one lean socket: stamped messages on the precise scheduler, each timed from its
 * write to the read of its echo. The smallest latency the generator can resolve is about this.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { LeanSocket, type LeanHandler } from '../client/lean-socket.js';
import { nowMs } from '../measure/clock.js';
import { newHist, percentiles, type Percentiles } from '../measure/histogram.js';
import { Scheduler } from '../agent/scheduler.js';

export interface SelfTest { round_trip: Percentiles; send_lag: Percentiles; messages: number; rate_per_s: number; note: string }

/** Measures `messages` loopback round trips at `ratePerS`. */
export async function selfTest(messages = 2000, ratePerS = 500): Promise<SelfTest> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => ws.on('message', (d, binary) => ws.send(d, { binary })));
  const rtt = newHist(true), lag = newHist(true);
  let got = 0;
  const done = new Promise<void>((resolve, reject) => {
    const h: LeanHandler = {
      open: (s) => {
        const sched = new Scheduler();
        let sent = 0;
        sched.add({
          next: nowMs() + 20,
          fire() {
            const t = nowMs();
            lag.recordValue(Math.max(1, Math.round((t - this.next) * 1000)));
            s.send(Buffer.from(`{"t":${t}}`));
            this.next = ++sent < messages ? this.next + 1000 / ratePerS : Infinity;
          },
        });
      },
      frame: (s, payload, _binary, at) => {
        rtt.recordValue(Math.max(1, Math.round((at - (JSON.parse(payload.toString()) as { t: number }).t) * 1000)));
        if (++got === messages) s.close();
      },
      close: (_s, code, reason) => (got === messages ? resolve() : reject(new Error(`self-test socket closed early: ${code} ${reason}`))),
    };
    new LeanSocket(h, 0, new URL(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`), 'bfg.v1.json');
  });
  try {
    await done;
  } finally {
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss.close(r));
  }
  const out = {
    round_trip: percentiles(rtt), send_lag: percentiles(lag), messages, rate_per_s: ratePerS,
    note: 'measured: one lean socket to an in-process ws echo on loopback, write to echo read; the echo shares the event loop',
  };
  rtt.destroy();
  lag.destroy();
  return out;
}

/** The self-test as the lines `bfg load --self-test` prints. */
export function selfTestText(r: SelfTest): string {
  const p = r.round_trip, l = r.send_lag;
  return [
    `bfg load --self-test: the generator's own floor on this machine (${r.note})`,
    `  loopback round trip, ${r.messages} messages at ${r.rate_per_s}/s: p50 ${p.p50_ms} ms, p90 ${p.p90_ms} ms, p99 ${p.p99_ms} ms, max ${p.max_ms} ms`,
    `  send lag (actual − intended write): p50 ${l.p50_ms} ms, p99 ${l.p99_ms} ms, max ${l.max_ms} ms`,
    `  a gateway latency much below the round-trip p50 cannot be resolved by this generator here`,
  ].join('\n');
}
