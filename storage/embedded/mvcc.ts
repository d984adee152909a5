import { createRequire } from 'node:module';
import type sortedBtree from 'sorted-btree';
import type { KeyValue, ListResult, WatchEvent } from '../interface.js';
import { compareOrderedKeys, keyFromOrdered, orderedKey } from './key-order.js';

// sorted-btree is CommonJS. Node's and Vite's ESM interop disagree on what its default
// import is; require() gives the same module object under both.
const { default: SortedMap } = createRequire(import.meta.url)('sorted-btree') as typeof sortedBtree;
type SortedMap<K, V> = sortedBtree.default<K, V>;

/** One key's change in a transaction: its new value, or `null` to delete it. */
export interface KeyWrite {
  key: string;
  value: Uint8Array | null;
}

/** The writes of one revision. */
export interface RevisionWrites {
  revision: number;
  writes: KeyWrite[];
}

/**
 * Everything needed to rebuild the key space with its retained history: the values live
 * just before the compaction horizon, then every retained revision's writes.
 */
export interface KeySpaceImage {
  revision: number;
  compactRevision: number;
  base: KeyValue[];
  history: Iterable<RevisionWrites>;
}

/** A key's state from `revision` on: its value, or `null` once deleted. */
interface Version {
  revision: number;
  kv: KeyValue | null;
}

/**
 * The key space and its history, in memory, with etcd's MVCC semantics: one global
 * revision, each write recorded per key and as a watch event, so reads and watches at
 * past revisions work until `compact` forgets history below a revision.
 *
 * Stored KeyValues are frozen and shared with callers: treat their bytes as read-only.
 */
export class MvccKeySpace {
  #revision = 1; // as in etcd, an empty store is at revision 1 and the first write makes 2
  #compactRevision = 0;
  /** Every key with retained history, by its ordered form (byte order), so a prefix is one range scan. */
  private readonly versions: SortedMap<string, Version[]> = new SortedMap<string, Version[]>(undefined, compareOrderedKeys);
  /** The same histories by key: every write looks its key up, and a hash beats a tree walk. */
  private readonly byKey = new Map<string, Version[]>();
  /** Every retained revision's events in revision order (op order within a revision). */
  private events: WatchEvent[] = [];

  get revision(): number {
    return this.#revision;
  }

  /** Reads below this revision fail; watches may start from it (events at it are kept). */
  get compactRevision(): number {
    return this.#compactRevision;
  }

  static fromImage(image: KeySpaceImage): MvccKeySpace {
    const space = new MvccKeySpace();
    for (const kv of image.base) space.setHistory(kv.key, [{ revision: kv.modRevision, kv: Object.freeze(kv) }]);
    space.#revision = 0;
    for (const { revision, writes } of image.history) space.apply(revision, writes);
    space.#revision = image.revision;
    space.#compactRevision = image.compactRevision;
    return space;
  }

  /**
   * The state as of now, unaffected by later writes and compactions. Cheap to take (values
   * are shared, not copied); the history is produced as it is read.
   */
  image(): KeySpaceImage {
    const base: KeyValue[] = [];
    for (const history of this.versions.values()) {
      // After compaction at most the first version predates the horizon, and only if live.
      const first = history[0]!;
      if (first.revision < this.#compactRevision && first.kv) base.push(first.kv);
    }
    const history = writesByRevision(this.events.slice());
    return { revision: this.#revision, compactRevision: this.#compactRevision, base, history };
  }

  latest(key: string): KeyValue | null {
    const history = this.byKey.get(key);
    return history ? history[history.length - 1]!.kv : null;
  }

  /**
   * Applies one revision's writes, already checked by the caller (a delete must name a
   * live key). Returns per write the new value, or for a delete the value it removed.
   */
  apply(revision: number, writes: KeyWrite[]): KeyValue[] {
    if (revision <= this.#revision) throw new Error(`revision ${revision} is not after ${this.#revision}`);
    const results = writes.map(({ key, value }) => {
      const prev = this.latest(key);
      if (value) {
        const kv = Object.freeze({ key, value, createRevision: prev?.createRevision ?? revision, modRevision: revision });
        this.record(key, { revision, kv });
        this.events.push({ type: 'put', kv, revision, ...(prev && { prevKv: prev }) });
        return kv;
      }
      if (!prev) throw new Error(`revision ${revision} deletes ${key}, which does not exist`);
      this.record(key, { revision, kv: null });
      this.events.push({ type: 'delete', kv: Object.freeze({ ...prev, modRevision: revision }), revision });
      return prev;
    });
    this.#revision = revision;
    return results;
  }

  /** Keys under `prefix` as of `revision` (which the caller has checked is retained). */
  list(prefix: string, revision: number, limit = 0, startKey?: string): ListResult {
    const orderedPrefix = orderedKey(prefix);
    const orderedStart = startKey === undefined ? orderedPrefix : orderedKey(startKey);
    const from = orderedStart > orderedPrefix ? orderedStart : orderedPrefix;
    const items: KeyValue[] = [];
    let remaining = 0;
    for (const [key, history] of this.versions.entries(from)) {
      if (!key.startsWith(orderedPrefix)) break;
      const kv = valueAt(history, revision);
      if (!kv) continue;
      if (limit > 0 && items.length >= limit) remaining++;
      else items.push(kv);
    }
    return { items, revision, more: remaining > 0, remaining };
  }

  /** Events with `first <= revision <= last`, in order. */
  eventsBetween(first: number, last: number): WatchEvent[] {
    const out: WatchEvent[] = [];
    for (let i = firstEventAt(this.events, first); i < this.events.length; i++) {
      const event = this.events[i]!;
      if (event.revision > last) break;
      out.push(event);
    }
    return out;
  }

  /** Forgets every version and event below `revision`, except the values live just before it. */
  compact(revision: number): void {
    this.versions.editAll((ordered, history) => {
      const kept = retainedFrom(history, revision);
      if (kept === history) return undefined;
      const key = keyFromOrdered(ordered);
      if (kept.length === 0) {
        this.byKey.delete(key);
        return { delete: true };
      }
      this.byKey.set(key, kept);
      return { value: kept };
    });
    this.events = this.events.slice(firstEventAt(this.events, revision));
    this.#compactRevision = revision;
  }

  private record(key: string, version: Version): void {
    const history = this.byKey.get(key);
    if (history) history.push(version);
    else this.setHistory(key, [version]);
  }

  private setHistory(key: string, history: Version[]): void {
    this.byKey.set(key, history);
    this.versions.set(orderedKey(key), history);
  }
}

function* writesByRevision(events: WatchEvent[]): Generator<RevisionWrites> {
  let current: RevisionWrites | undefined;
  for (const event of events) {
    const write = { key: event.kv.key, value: event.type === 'put' ? event.kv.value : null };
    if (current?.revision === event.revision) {
      current.writes.push(write);
      continue;
    }
    if (current) yield current;
    current = { revision: event.revision, writes: [write] };
  }
  if (current) yield current;
}

function valueAt(history: Version[], revision: number): KeyValue | null {
  // Reads are mostly at or near the newest revision, so search from the end.
  for (let i = history.length - 1; i >= 0; i--) {
    if (history[i]!.revision <= revision) return history[i]!.kv;
  }
  return null;
}

/** The versions still needed for reads at `revision` and later. */
function retainedFrom(history: Version[], revision: number): Version[] {
  let newestBefore = -1;
  while (newestBefore + 1 < history.length && history[newestBefore + 1]!.revision < revision) newestBefore++;
  if (newestBefore < 0) return history;
  // The newest version before the horizon is what reads at the horizon see, unless it is a deletion.
  const keepFrom = history[newestBefore]!.kv ? newestBefore : newestBefore + 1;
  return keepFrom === 0 ? history : history.slice(keepFrom);
}

/** Index of the first event at or after `revision` (binary search: events are in revision order). */
function firstEventAt(events: WatchEvent[], revision: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.revision < revision) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
