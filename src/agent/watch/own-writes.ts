// Read-your-writes over a lagging cache. After the agent writes an object (its status,
// its annotations), the next pass may start before the watch delivers the write;
// comparing against the stale cached version would repeat it. This remembers the object
// as the agent's last write returned it, together with every version that write (and the
// agent's writes before it) superseded. While the cache shows one of those, the returned
// object is the latest known; once the cache shows anything else, the cache is.

interface Versioned {
  metadata?: { uid?: string; resourceVersion?: string };
}

export class OwnWrites {
  private readonly writes = new Map<string, { superseded: Set<string | undefined>; result: Versioned }>();

  latest<T extends Versioned>(cached: T): T {
    const uid = cached.metadata?.uid;
    if (uid === undefined) return cached;
    const write = this.writes.get(uid);
    if (write?.superseded.has(cached.metadata?.resourceVersion)) return write.result as T;
    this.writes.delete(uid);
    return cached;
  }

  /** `cached` is the version the write was computed from, `result` what the server returned. */
  record(cached: Versioned, result: Versioned): void {
    const uid = cached.metadata?.uid;
    if (uid === undefined) return;
    const previous = this.writes.get(uid);
    const superseded = new Set(previous?.superseded);
    superseded.add(cached.metadata?.resourceVersion);
    if (previous) superseded.add(previous.result.metadata?.resourceVersion);
    this.writes.set(uid, { superseded, result });
  }
}
