/**
 * Per-client storm engine: every dropped client is one index into typed arrays (attempt, previous
 * delay, reconnect time), waiting in a flat calendar queue of time steps (head per step, next per
 * client). Each step admits arrivals in queue order up to the accept budget and the connection cap;
 * the rest draw their next delay from the policy. Gives per-client reconnect-time percentiles.
 */
import { backoffMs } from '../../common/backoff.js';
import { seededRandom } from '../../common/random.js';
import { capacity, droppedClients, type StormInput, type StormResult } from './input.js';
import { Recorder } from './summary.js';

export function eventsStorm(i: StormInput, seed = 1): StormResult {
  const rand = seededRandom(seed);
  const slots = Math.ceil((i.horizonS * 1000) / i.slotMs);
  const dropAt = Math.round((i.atS * 1000) / i.slotMs);
  const { perSlot, cap } = capacity(i);
  const n = droppedClients(i);
  const attempt = new Uint8Array(n);
  const prev = new Float32Array(n).fill(i.baseMs);
  const back = new Float32Array(n).fill(NaN);
  // calendar queue: clients due at step s form a singly linked list head[s] -> next[c]
  const head = new Int32Array(slots + 1).fill(-1);
  const tail = new Int32Array(slots + 1).fill(-1);
  const next = new Int32Array(n).fill(-1);
  const due = new Int32Array(n);
  const push = (c: number, s: number) => {
    if (s > slots) s = slots; // past the horizon: parked in the last step, never processed
    next[c] = -1;
    if (head[s] < 0) head[s] = c;
    else next[tail[s]] = c;
    tail[s] = c;
  };
  const delayMs = (c: number): number => {
    const d = backoffMs(i.policy, attempt[c], i.baseMs, i.capMs, prev[c], rand);
    prev[c] = d;
    return d;
  };
  const schedule = (c: number, s: number, first: boolean) => {
    const min = first ? s : s + 1;
    push(c, Math.max(min, Math.floor(s + delayMs(c) / i.slotMs)));
  };

  let connected = i.clients;
  let waiting = 0;
  let carry = 0;
  const rec = new Recorder(i, dropAt);
  for (let s = 0; s < slots; s++) {
    if (s === dropAt) {
      connected -= n;
      waiting = n;
      for (let c = 0; c < n; c++) schedule(c, s, true);
    }
    const avail = carry + perSlot;
    let budget = Math.min(Math.floor(avail), Math.max(0, cap - connected));
    carry = Number.isFinite(avail) ? avail - Math.floor(avail) : 0;
    // the step's arrivals, admitted at random up to the budget (as the aggregate engine rejects a
    // uniform fraction of every cohort)
    let k = 0;
    for (let c = head[s]; c >= 0; c = next[c]) due[k++] = c;
    head[s] = -1;
    if (k > budget) {
      for (let j = 0; j < budget; j++) {
        const r = j + Math.floor(rand() * (k - j));
        const t = due[j];
        due[j] = due[r];
        due[r] = t;
      }
    }
    const take = Math.min(k, budget);
    for (let j = 0; j < take; j++) back[due[j]] = ((s + 1) * i.slotMs) / 1000 - i.atS;
    connected += take;
    waiting -= take;
    if (i.policy === 'none' && take < k) {
      // no backoff: every rejected client is due again next step; append them as one run
      const t = Math.min(s + 1, slots);
      for (let j = take; j < k - 1; j++) next[due[j]] = due[j + 1];
      next[due[k - 1]] = -1;
      if (head[t] < 0) head[t] = due[take];
      else next[tail[t]] = due[take];
      tail[t] = due[k - 1];
    } else {
      for (let j = take; j < k; j++) {
        const c = due[j];
        if (attempt[c] < 255) attempt[c]++;
        schedule(c, s, false);
      }
    }
    rec.step(s, k, take, connected, () => waiting);
  }
  const summary = rec.summary(n);
  const done = back.filter((x) => !Number.isNaN(x)).sort();
  const q = (p: number) => (done.length ? Math.round(done[Math.min(done.length - 1, Math.floor(p * done.length))] * 1000) / 1000 : NaN);
  summary.reconnectS = { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: done.length ? done[done.length - 1] : NaN };
  return { engine: 'events', input: i, curves: rec.curves, summary };
}
