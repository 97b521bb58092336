/** A circuit breaker: after `failures` consecutive errors, refuse calls for `coolMs`, then try again. */
export class Breaker {
  private fails = 0;
  private openUntil = 0;
  constructor(private readonly failures = 3, private readonly coolMs = 1000) {}

  /** true while calls should be refused */
  open(): boolean {
    return Date.now() < this.openUntil;
  }

  /** runs a call through the breaker */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.open()) throw new Error('store circuit open (Redis failing); retrying in the background');
    try {
      const v = await fn();
      this.fails = 0;
      return v;
    } catch (err) {
      if (++this.fails >= this.failures) this.openUntil = Date.now() + this.coolMs;
      throw err;
    }
  }
}
