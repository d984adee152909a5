import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `probe` until it returns a value `accept`s; throws with the last value after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (accept(last)) return last;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms; last: ${JSON.stringify(last, null, 1)}`);
    await sleep(intervalMs);
  }
}
