// One per resource, like kube-apiserver's cacher: a single storage watch feeds an
// in-memory copy of every object and a window of recent events, from which lists and
// any number of watches are served. Objects handed out are shared and must be treated
// as immutable, and so must the arrays lists hand out.
import type { Storage, Watch, WatchEvent } from '../../storage/interface.js';
import { CompactedError } from '../../storage/interface.js';
import type { KubeObject } from '../api/object.js';
import { decodeObject } from './codec.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  type: EventType;
  key: string;
  object: KubeObject;
  /** The object before this event (MODIFIED and DELETED). */
  prevObject?: KubeObject;
  revision: number;
}

export interface CacheWatcher {
  /** Called in revision order; must not throw. */
  onEvent(event: CacheEvent): void;
  /** The cache can no longer continue this watch (storage reset); the client must re-watch. */
  onTerminate(): void;
  /** The cache has seen everything up to `revision` (for bookmarks). */
  onProgress?(revision: number): void;
}

/** Thrown when a watch asks for history the cache no longer holds (maps to 410 Gone). */
export class TooOldError extends Error {
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

export interface WatchCacheOptions {
  /** How many recent events are kept for watches that resume from a past revision. */
  historySize?: number;
  onError?: (err: Error) => void;
}

export class WatchCache {
  private readonly objects = new Map<string, KubeObject>();
  private sortedKeys: string[] | null = null;
  /** Bumped by every change: a list taken at the same generation holds the same objects. */
  private generation = 0;
  /**
   * The last list handed out. Asked again before anything changed, the cache hands out the
   * same array, so that what was made of it (its serialized form) can be reused too.
   */
  private lastList: { prefix: string; generation: number; items: KubeObject[] } | null = null;
  private readonly history: CacheEvent[] = [];
  private readonly historySize: number;
  /** Watches may resume from any revision ≥ this one. */
  private oldestResumable = 0;
  private revision = 0;
  private readonly watchers = new Set<CacheWatcher>();
  private readonly waiters: { revision: number; resolve: () => void }[] = [];
  private storageWatch: Watch | null = null;
  private progressRequested = false;
  private ready: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly storage: Storage,
    private readonly prefix: string,
    private readonly options: WatchCacheOptions = {},
  ) {
    this.historySize = options.historySize ?? 10_000;
  }

  /** Resolves once the cache holds a complete copy; safe to call repeatedly. */
  start(): Promise<void> {
    this.ready ??= this.initialize();
    return this.ready;
  }

  get currentRevision(): number {
    return this.revision;
  }

  get size(): number {
    return this.objects.size;
  }

  private async initialize(): Promise<void> {
    this.objects.clear();
    this.sortedKeys = null;
    this.generation++;
    this.history.length = 0;
    let revision = 0;
    let startKey: string | undefined;
    for (;;) {
      const page = await this.storage.list(this.prefix, { revision, limit: 1000, startKey });
      revision = page.revision;
      for (const kv of page.items) this.objects.set(kv.key, decodeObject(kv));
      if (!page.more || page.items.length === 0) break;
      startKey = page.items[page.items.length - 1]!.key + '\0';
    }
    this.generation++;
    this.revision = revision;
    this.oldestResumable = revision;
    this.storageWatch = this.storage.watch(this.prefix, revision, {
      onEvent: (event) => this.apply(event),
      onError: (err) => this.reset(err),
      onProgress: (rev) => this.advance(rev),
    });
    this.releaseWaiters();
  }

  /** The storage watch broke: terminate every watcher and rebuild from a fresh list. */
  private reset(err: Error): void {
    if (this.closed) return;
    if (!(err instanceof CompactedError)) this.options.onError?.(err);
    this.storageWatch?.close();
    this.storageWatch = null;
    for (const w of this.watchers) w.onTerminate();
    this.watchers.clear();
    const retry = (): void => {
      if (this.closed) return;
      this.ready = this.initialize().catch((e: Error) => {
        this.options.onError?.(e);
        setTimeout(retry, 1000).unref();
      });
    };
    retry();
  }

  private apply(event: WatchEvent): void {
    this.generation++;
    const key = event.kv.key;
    const prev = this.objects.get(key);
    let cacheEvent: CacheEvent;
    if (event.type === 'delete') {
      const object = prev ? { ...prev, metadata: { ...prev.metadata, resourceVersion: String(event.revision) } } : decodeObject(event.kv);
      this.objects.delete(key);
      this.sortedKeys = null;
      cacheEvent = { type: 'DELETED', key, object, prevObject: prev, revision: event.revision };
    } else {
      const object = decodeObject(event.kv);
      if (!prev) this.sortedKeys = null;
      this.objects.set(key, object);
      cacheEvent = { type: prev ? 'MODIFIED' : 'ADDED', key, object, prevObject: prev, revision: event.revision };
    }
    this.history.push(cacheEvent);
    if (this.history.length > this.historySize) {
      const dropped = this.history.splice(0, this.history.length - this.historySize);
      this.oldestResumable = dropped[dropped.length - 1]!.revision;
    }
    this.revision = event.revision;
    for (const w of this.watchers) w.onEvent(cacheEvent);
    this.releaseWaiters();
  }

  private advance(revision: number): void {
    if (revision <= this.revision) return;
    this.revision = revision;
    for (const w of this.watchers) w.onProgress?.(revision);
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    this.progressRequested = false;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i]!;
      if (waiter.revision <= this.revision) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  /**
   * Waits until the cache reflects storage at least up to `revision`, asking storage for
   * progress so that quiet resources catch up at once. Returns false on timeout.
   */
  async waitFor(revision: number, timeoutMs: number): Promise<boolean> {
    await this.start();
    if (this.revision >= revision) return true;
    // One outstanding progress request serves every waiter.
    if (!this.progressRequested) {
      this.progressRequested = true;
      this.storageWatch?.requestProgress();
    }
    return new Promise<boolean>((resolve) => {
      const waiter = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        this.progressRequested = false;
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Every cached object under `prefix`, in key order, and the revision they reflect. */
  list(prefix: string): { items: KubeObject[]; revision: number } {
    const last = this.lastList;
    if (last?.prefix === prefix && last.generation === this.generation) return { items: last.items, revision: this.revision };
    this.sortedKeys ??= [...this.objects.keys()].sort();
    const items: KubeObject[] = [];
    for (const key of this.sortedKeys) {
      if (key.startsWith(prefix)) items.push(this.objects.get(key)!);
    }
    this.lastList = { prefix, generation: this.generation, items };
    return { items, revision: this.revision };
  }

  get(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  /**
   * Starts delivering events with revision > `afterRevision` to `watcher`. Replayed
   * history is delivered synchronously before any live event.
   */
  watch(afterRevision: number, watcher: CacheWatcher): () => void {
    if (afterRevision < this.oldestResumable) throw new TooOldError(afterRevision, this.oldestResumable + 1);
    for (const event of this.history) {
      if (event.revision > afterRevision) watcher.onEvent(event);
    }
    // Caught up: a quiet watch can bookmark the cache's revision from the start.
    watcher.onProgress?.(this.revision);
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  close(): void {
    this.closed = true;
    this.storageWatch?.close();
    for (const w of this.watchers) w.onTerminate();
    this.watchers.clear();
  }
}
