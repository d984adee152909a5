import { ConflictError, KeyExistsError, NotFoundError, type KeyValue, type Storage } from './interface.js';

/**
 * What `mutate` decides for the current value: a new value to write, `null` to leave the
 * key as it is, or `{ delete: true }` to remove it.
 */
export type Mutation = Uint8Array | null | { delete: true };

export interface GuaranteedUpdateOptions {
  /** Give up after this many conflicting attempts (a livelock guard, not a tuning knob). */
  maxAttempts?: number;
}

/**
 * Read, mutate, write guarded by the read's mod revision; on conflict read again and
 * retry. `mutate` may throw to abort (the error propagates unchanged) and must be free of
 * side effects, because it can run more than once. Returns the key's value afterwards
 * (null when absent or deleted).
 */
export async function guaranteedUpdate(
  storage: Storage,
  key: string,
  mutate: (current: KeyValue | null) => Mutation | Promise<Mutation>,
  opts: GuaranteedUpdateOptions = {},
): Promise<KeyValue | null> {
  const maxAttempts = opts.maxAttempts ?? 1000;
  for (let attempt = 1; ; attempt++) {
    const current = await storage.get(key);
    const next = await mutate(current);
    if (next === null) return current;
    try {
      if (next instanceof Uint8Array) {
        return current
          ? await storage.update(key, next, current.modRevision)
          : await storage.create(key, next);
      }
      if (!current) return null;
      await storage.delete(key, { expectedModRevision: current.modRevision });
      return null;
    } catch (err) {
      const raced = err instanceof ConflictError || err instanceof KeyExistsError || err instanceof NotFoundError;
      if (!raced || attempt >= maxAttempts) throw err;
    }
  }
}
