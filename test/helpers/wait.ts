/** Waiting in tests: a bound on how long, never an assertion on speed. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until cond holds; throws naming what it waited for after ms. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 5000, what = 'a condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
