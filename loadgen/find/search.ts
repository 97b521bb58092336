/**
 * The knee search, as a pure function over a probe: geometric steps up from `from` (× `factor`) until
 * a step breaks, then bisection between the last step that held and the first that broke until they
 * are within `tolerance` (relative) of each other. A step whose verdict is the generator's, not the
 * gateway's, says nothing about the gateway: it is run again up to `retries` times (a generator late
 * for a moment — a GC, a neighbour on the host — should not end a search), and ends the search there
 * if it stays the generator's. Every attempt is kept in `steps`.
 */

/** What one step found. */
export interface Verdict {
  /** held the SLO */
  ok: boolean;
  /** the generator was saturated: the step judged the load tool, not the gateway */
  generatorBound?: boolean;
}

export interface SearchOptions {
  from: number; to: number; factor: number;
  /** stop bisecting when (broken − held) / held ≤ tolerance */
  tolerance: number;
  /** values are whole numbers (users, room size) */
  integer: boolean;
  /** times a generator-bound step is run again before the search stops (default 1) */
  retries?: number;
}

export type Stopped = 'knee' | 'generator' | 'max_reached' | 'first_step_broken';

export interface SearchResult<V extends Verdict> {
  steps: { value: number; verdict: V }[];
  highestOk?: { value: number; verdict: V };
  firstBroken?: { value: number; verdict: V };
  stopped: Stopped;
}

/** Runs the search; `probe` runs one step at a load value (`attempt` 1, or more when a generator-bound step is run again). */
export async function searchKnee<V extends Verdict>(o: SearchOptions, probe: (value: number, attempt: number) => Promise<V>): Promise<SearchResult<V>> {
  const round = (v: number) => (o.integer ? Math.round(v) : Math.round(v * 1000) / 1000);
  const steps: SearchResult<V>['steps'] = [];
  let highestOk: SearchResult<V>['highestOk'], firstBroken: SearchResult<V>['firstBroken'];
  const step = async (value: number) => {
    for (let attempt = 0; ; attempt++) {
      const verdict = await probe(value, attempt + 1);
      steps.push({ value, verdict });
      if (!verdict.generatorBound || attempt >= (o.retries ?? 1)) return verdict;
    }
  };
  // geometric phase
  for (let v = round(o.from); ; v = round(Math.min(o.to, Math.max(v + (o.integer ? 1 : 0), v * o.factor)))) {
    const verdict = await step(v);
    if (verdict.generatorBound) return { steps, highestOk, firstBroken, stopped: 'generator' };
    if (!verdict.ok) {
      firstBroken = { value: v, verdict };
      break;
    }
    highestOk = { value: v, verdict };
    if (v >= o.to) return { steps, highestOk, firstBroken, stopped: 'max_reached' };
  }
  if (!highestOk) return { steps, highestOk, firstBroken, stopped: 'first_step_broken' };
  // bisection phase
  while ((firstBroken.value - highestOk.value) / highestOk.value > o.tolerance) {
    const mid = round((highestOk.value + firstBroken.value) / 2);
    if (mid <= highestOk.value || mid >= firstBroken.value) break;
    const verdict = await step(mid);
    if (verdict.generatorBound) return { steps, highestOk, firstBroken, stopped: 'generator' };
    if (verdict.ok) highestOk = { value: mid, verdict };
    else firstBroken = { value: mid, verdict };
  }
  return { steps, highestOk, firstBroken, stopped: 'knee' };
}
