/** The live progress line: rewritten in place on a TTY, plain periodic lines otherwise. */
import type { TimePoint } from '../agent/result.js';

export class Progress {
  private readonly latest = new Map<number, TimePoint>();
  private last?: { t: number; sent: number; received: number };
  private readonly tty = !!process.stdout.isTTY;

  /** one agent's newest point, if it reported any */
  lastOf(agent: number): TimePoint | undefined {
    return this.latest.get(agent);
  }

  /** every agent's newest point */
  points(): IterableIterator<TimePoint> {
    return this.latest.values();
  }

  /** one agent's newest point */
  update(agent: number, p: TimePoint): void {
    this.latest.set(agent, p);
  }

  /** interim metrics an abort threshold can judge while the run goes on */
  metrics(): Record<string, number> {
    let connected = 0, errors = 0, reconnects = 0, attempts = 0;
    for (const p of this.latest.values()) {
      connected += p.connected;
      errors += p.connect_errors;
      reconnects += p.reconnects;
    }
    attempts = connected + errors;
    this.peak = Math.max(this.peak, connected);
    return { connect_errors: errors, connect_errors_pct: (100 * errors) / Math.max(1, attempts), reconnects, peak_connections: this.peak };
  }
  private peak = 0;

  /** prints the merged line */
  print(): void {
    if (this.latest.size === 0) return;
    const sum = { t: 0, connected: 0, sent: 0, received: 0, errors: 0 };
    for (const p of this.latest.values()) {
      sum.t = Math.max(sum.t, p.t);
      sum.connected += p.connected;
      sum.sent += p.sent;
      sum.received += p.received;
      sum.errors += p.connect_errors;
    }
    const dt = this.last ? Math.max(1, sum.t - this.last.t) : 1;
    const sendRate = this.last ? (sum.sent - this.last.sent) / dt : 0;
    const recvRate = this.last ? (sum.received - this.last.received) / dt : 0;
    this.last = { t: sum.t, sent: sum.sent, received: sum.received };
    const line = `t=${sum.t}s connections=${sum.connected} sent/s=${sendRate.toFixed(0)} delivered/s=${recvRate.toFixed(0)} connect_errors=${sum.errors} (measured)`;
    if (this.tty) process.stdout.write(`\r\x1b[K${line}`);
    else console.log(line);
  }

  end(): void {
    if (this.tty) process.stdout.write('\n');
  }
}
