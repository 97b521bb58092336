/**
 * Graceful degradation (the seeds' "turn off typing indicators and read receipts under extreme load"):
 * a node sheds by priority when the signals it already has say it is overloaded — typing first, then
 * read receipts, then history reads — and never an acked message. Levels rise one a window while the
 * overload lasts and fall one at a time after `recoverMs` of calm (signals under half their thresholds), a hold that doubles when the
 * load comes straight back: hysteresis, so a node at the edge does not flap with each window.
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
  /** message delivery latency p99 on this node over the window (a send's arrival at its gateway to its fan-out here), ms: what shedding protects, and where a slow bus or store shows that the event loop does not */
  deliveryP99Ms?: number;
}

export interface ShedThresholds { loopMs: number; outboxBytes: number; recoverMs: number; latencyMs?: number }

/** The level the signals call for: 0 none; 1 typing; 2 typing and receipts; 3 history reads too. */
export function pressureLevel(sig: ShedSignals, th: Omit<ShedThresholds, 'recoverMs'>, scale = 1): number {
  const loop = sig.loopP99Ms / (th.loopMs * scale), out = sig.outboxBytes / (th.outboxBytes * scale);
  const lat = th.latencyMs && sig.deliveryP99Ms ? sig.deliveryP99Ms / (th.latencyMs * scale) : 0;
  const worst = Math.max(loop, out, lat);
  let level = worst > 4 ? 3 : worst > 2 ? 2 : worst > 1 ? 1 : 0;
  if (sig.storeDown) level = 3;
  return level;
}

/** The shedder's state between windows. */
export interface ShedState {
  level: number;
  /** since when the signals have been calm below the level (null: not calm) */
  calmSince: number | null;
  /** how long calm must last before a level is given back: recoverMs, doubled each time load returns within it after a step down */
  holdMs: number;
  /** when the last level was given back (0: never) */
  downAt: number;
  /** share of the kind last given back that is let through (slow start: RAMP_START, doubling each window without overload, to 1) */
  ramp: number;
}

/** the share of a kind let through in the first window after it is given back: a probe, not the whole flood at once */
export const RAMP_START = 1 / 16;

/** the longest hold: a node that keeps being overloaded retries without shedding once a this many recoverMs */
export const HOLD_MAX_FACTOR = 16;

/**
 * One window of the hysteresis. Levels rise one a window (at once for a failing store); one is given back after `holdMs` of calm (signals
 * under half their thresholds). When load comes back within `holdMs` of a step down, the hold doubles
 * (up to HOLD_MAX_FACTOR × recoverMs): under a sustained overload the node stops probing every few
 * seconds, and each probe costs a burst of late messages. A node calm for two holds starts over. A kind
 * given back is let through in part at first (RAMP_START, doubling each window the signals stay under
 * half their thresholds, held while between): a probe that finds the node still overloaded costs a
 * sixteenth of the flood, and the share settles near what the node can take.
 */
export function nextLevel(st: ShedState, sig: ShedSignals, th: ShedThresholds, now: number): ShedState {
  const wanted = pressureLevel(sig, th);
  let holdMs = st.downAt && now - st.downAt >= 2 * st.holdMs ? th.recoverMs : st.holdMs;
  if (wanted > st.level) {
    if (st.downAt && now - st.downAt < holdMs) holdMs = Math.min(holdMs * 2, HOLD_MAX_FACTOR * th.recoverMs);
    // one level a window, lowest priority first: a one-window spike (a burst, a GC) costs typing, not
    // history; an overload that shedding typing does not cure climbs on. A failing store: all at once
    return { level: sig.storeDown ? wanted : st.level + 1, calmSince: null, holdMs, downAt: st.downAt, ramp: 1 };
  }
  // the kind given back is let in further only while the signals are under half their thresholds: a
  // ramp that doubled on any window short of overload would overshoot a node near its capacity
  const ramp = pressureLevel(sig, th, 0.5) <= st.level ? Math.min(1, st.ramp * 2) : st.ramp;
  if (wanted === st.level || pressureLevel(sig, th, 0.5) >= st.level) return { ...st, calmSince: null, holdMs, ramp };
  if (st.calmSince === null) return { ...st, calmSince: now, holdMs, ramp };
  if (now - st.calmSince < holdMs) return { ...st, holdMs, ramp };
  return { level: st.level - 1, calmSince: st.level - 1 > 0 ? now : null, holdMs, downAt: now, ramp: RAMP_START };
}

/** The node's shedder: reads its signals every `windowMs`, answers `sheds(kind)` on the hot path. */
export class Shedder {
  private st: ShedState;
  /** when the current shedding began (ms), 0 while none */
  since = 0;
  last: ShedSignals = { loopP99Ms: 0, outboxBytes: 0, storeDown: false };
  private readonly loop: IntervalHistogram;
  private timer?: NodeJS.Timeout;

  constructor(private readonly th: ShedThresholds, private readonly enabled: boolean, private readonly signals: () => Omit<ShedSignals, 'loopP99Ms'>,
    private readonly onChange: (level: number) => void = () => {}) {
    this.loop = monitorEventLoopDelay({ resolution: 10 });
    this.st = { level: 0, calmSince: null, holdMs: th.recoverMs, downAt: 0, ramp: 1 };
  }

  /** 0: nothing shed; n: the first n of SHED_ORDER */
  get level(): number {
    return this.st.level;
  }

  /** how long calm must last now before a level is given back (ms) */
  get holdMs(): number {
    return this.st.holdMs;
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
    this.st = nextLevel(this.st, this.last, this.th, now);
    if (this.level === before) return;
    if (before === 0) this.since = now;
    if (this.level === 0) this.since = 0;
    this.onChange(this.level);
  }

  /** true while `kind` is shed (for the kind just given back: all but its ramp's share, at random) */
  sheds(kind: ShedKind): boolean {
    const i = SHED_ORDER.indexOf(kind), st = this.st;
    return st.level > i || (st.level === i && st.ramp < 1 && Math.random() >= st.ramp);
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
