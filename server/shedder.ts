/**
 * Graceful degradation (the seeds' "turn off typing indicators and read receipts under extreme load"):
 * a node sheds by priority when the signals it already has say it is overloaded — typing first, then
 * read receipts, then history reads — and never an acked message. Levels rise at once and fall one at
 * a time after `recoverMs` of calm (signals under half their thresholds): hysteresis, so a node at the
 * edge does not flap between shedding and not with each window.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** what is shed, in the order it is shed (level n sheds the first n) */
export const SHED_ORDER = ['typing', 'read', 'history'] as const;
export type ShedKind = (typeof SHED_ORDER)[number];

/** the signals, read every window */
export interface ShedSignals {
  /** event-loop delay p99 over the last window, ms: every delivery on this node waits this long */
  loopP99Ms: number;
  /** output queued for clients on this node, bytes (outbox plus what the sockets have not taken) */
  outboxBytes: number;
  /** the store's circuit breaker is open: it is failing, keep what it has for messages */
  storeDown: boolean;
}

export interface ShedThresholds { loopMs: number; outboxBytes: number; recoverMs: number }

/** The level the signals call for: 0 none; 1 typing; 2 typing and receipts; 3 history reads too. */
export function pressureLevel(sig: ShedSignals, th: Omit<ShedThresholds, 'recoverMs'>, scale = 1): number {
  const loop = sig.loopP99Ms / (th.loopMs * scale), out = sig.outboxBytes / (th.outboxBytes * scale);
  const worst = Math.max(loop, out);
  let level = worst > 4 ? 3 : worst > 2 ? 2 : worst > 1 ? 1 : 0;
  if (sig.storeDown) level = 3;
  return level;
}

/** One step of the hysteresis: the new level and since when the signals have been calm below it. */
export function nextLevel(level: number, calmSince: number | null, sig: ShedSignals, th: ShedThresholds, now: number): { level: number; calmSince: number | null } {
  const wanted = pressureLevel(sig, th);
  if (wanted >= level) return { level: wanted, calmSince: null };
  // calm: the signals are under half the thresholds that would hold this level
  if (pressureLevel(sig, th, 0.5) >= level) return { level, calmSince: null };
  if (calmSince === null) return { level, calmSince: now };
  if (now - calmSince < th.recoverMs) return { level, calmSince };
  return { level: level - 1, calmSince: level - 1 > 0 ? now : null };
}

/** The node's shedder: reads its signals every `windowMs`, answers `sheds(kind)` on the hot path. */
export class Shedder {
  level = 0;
  private calmSince: number | null = null;
  /** when the current shedding began (ms), 0 while none */
  since = 0;
  last: ShedSignals = { loopP99Ms: 0, outboxBytes: 0, storeDown: false };
  private readonly loop: IntervalHistogram;
  private timer?: NodeJS.Timeout;

  constructor(private readonly th: ShedThresholds, private readonly enabled: boolean, private readonly signals: () => Omit<ShedSignals, 'loopP99Ms'>,
    private readonly onChange: (level: number) => void = () => {}) {
    this.loop = monitorEventLoopDelay({ resolution: 10 });
  }

  /** starts reading the signals every windowMs (the event-loop histogram runs whether shedding is on or not: /health reports it) */
  start(windowMs = 250): void {
    this.loop.enable();
    this.timer = setInterval(() => this.tick(Date.now()), windowMs).unref();
  }

  /** one window: read the signals and move the level (exposed for tests) */
  tick(now: number, loopP99Ms = this.loop.count ? this.loop.percentile(99) / 1e6 : 0): void {
    this.loop.reset();
    this.last = { loopP99Ms, ...this.signals() };
    if (!this.enabled) return;
    const before = this.level;
    ({ level: this.level, calmSince: this.calmSince } = nextLevel(this.level, this.calmSince, this.last, this.th, now));
    if (this.level === before) return;
    if (before === 0) this.since = now;
    if (this.level === 0) this.since = 0;
    this.onChange(this.level);
  }

  /** true while `kind` is shed */
  sheds(kind: ShedKind): boolean {
    return this.level > SHED_ORDER.indexOf(kind);
  }

  /** what is shed now, in order */
  get shed(): ShedKind[] {
    return SHED_ORDER.slice(0, this.level) as ShedKind[];
  }

  stop(): void {
    clearInterval(this.timer);
    this.loop.disable();
  }
}
