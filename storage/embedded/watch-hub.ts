import { CompactedError, type Watch, type WatchEvent, type WatchHandlers } from '../interface.js';

/** Where watchers read events from: the retained history. */
export interface EventHistory {
  /** Events with `first <= revision <= last`, in order. */
  eventsBetween(first: number, last: number): WatchEvent[];
  /** Events below this revision are gone. */
  readonly compactRevision: number;
  /** The newest revision, durable or not yet. */
  readonly revision: number;
}

interface Watcher {
  prefix: string;
  handlers: WatchHandlers;
  /** The first revision this watcher has not been given yet. */
  next: number;
  open: boolean;
  /** A progress report is owed once everything up to this revision has been delivered. */
  progressOwedAt: number | null;
  /** Guards against a handler re-entering delivery to its own watcher, which would reorder events. */
  delivering: boolean;
  again: boolean;
}

/**
 * Delivers history to watchers. Replay and live events are one mechanism: each watcher
 * has a cursor into the retained history and is brought up to the visible revision
 * (what is durable) whenever that advances, so every event arrives once and in order.
 */
export class WatchHub {
  private readonly watchers = new Set<Watcher>();

  constructor(
    private readonly history: EventHistory,
    private visibleRevision: number,
  ) {}

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch {
    const watcher: Watcher = {
      prefix,
      handlers,
      next: afterRevision + 1,
      open: true,
      progressOwedAt: null,
      delivering: false,
      again: false,
    };
    this.watchers.add(watcher);
    // Never call back from inside watch() or requestProgress() themselves.
    queueMicrotask(() => this.deliver(watcher));
    return {
      close: () => this.end(watcher),
      requestProgress: () => {
        watcher.progressOwedAt = Math.max(watcher.progressOwedAt ?? 0, this.history.revision);
        queueMicrotask(() => this.deliver(watcher));
      },
    };
  }

  /** Events up to `revision` are durable: hand them out. */
  advance(revision: number): void {
    this.visibleRevision = revision;
    this.deliverAll();
  }

  /** Brings every watcher up to date, e.g. before history they still need is compacted. */
  deliverAll(): void {
    for (const watcher of this.watchers) this.deliver(watcher);
  }

  /** Ends every watch, telling handlers why if `err` is given. */
  endAll(err?: Error): void {
    for (const watcher of this.watchers) this.end(watcher, err);
  }

  private deliver(watcher: Watcher): void {
    if (!watcher.open) return;
    if (watcher.delivering) {
      watcher.again = true;
      return;
    }
    watcher.delivering = true;
    try {
      do {
        watcher.again = false;
        if (watcher.next < this.history.compactRevision) {
          return this.end(watcher, new CompactedError(watcher.next, this.history.compactRevision));
        }
        const upTo = this.visibleRevision;
        if (watcher.next > upTo) break;
        const events = this.history.eventsBetween(watcher.next, upTo);
        watcher.next = upTo + 1;
        for (const event of events) {
          // A handler may close its watch halfway through.
          if (!watcher.open) return;
          if (event.kv.key.startsWith(watcher.prefix)) watcher.handlers.onEvent(event);
        }
      } while (watcher.again);
      const delivered = watcher.next - 1;
      if (watcher.progressOwedAt !== null && delivered >= watcher.progressOwedAt) {
        watcher.progressOwedAt = null;
        watcher.handlers.onProgress?.(delivered);
      }
    } catch (err) {
      // A throwing handler ends its own watch, not delivery to everyone else.
      this.end(watcher, err instanceof Error ? err : new Error(String(err)));
    } finally {
      watcher.delivering = false;
    }
  }

  private end(watcher: Watcher, err?: Error): void {
    if (!watcher.open) return;
    watcher.open = false;
    this.watchers.delete(watcher);
    if (err) watcher.handlers.onError(err);
  }
}
