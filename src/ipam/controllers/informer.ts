// What a server-side controller sees of one resource: every object once at the start and
// after each event, straight from the registry's watch cache (no storage read of its own).
// When the cache restarts its watch, the informer lists again and reports what changed
// meanwhile, deletions included, so that no handler misses a deletion it must act on.
import type { KubeObject } from '../../api/object.js';
import type { ResourceStore } from '../../registry/resource-store.js';

export interface ObjectHandler {
  /** An object appeared or changed; `previous` is how the handler last saw it. */
  upsert(object: KubeObject, previous: KubeObject | undefined): void;
  deleted(object: KubeObject): void;
}

const RESUBSCRIBE_DELAY_MS = 1000;

export class Informer {
  private known = new Map<string, KubeObject>();
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(
    readonly store: ResourceStore,
    private readonly handler: ObjectHandler,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Resolves once the handler has seen every object. */
  async start(): Promise<void> {
    await this.store.cache.start();
    if (this.stopped) return;
    const { items, revision } = this.store.cache.list(this.store.keys.prefix());
    const listed = new Map(items.map((object) => [this.store.keys.key(object.metadata.namespace, object.metadata.name!), object]));
    const before = this.known;
    this.known = listed;
    for (const [key, object] of before) if (!listed.has(key)) this.handler.deleted(object);
    for (const [key, object] of listed) if (before.get(key) !== object) this.handler.upsert(object, before.get(key));
    this.unsubscribe = this.store.cache.watch(revision, {
      onEvent: (event) => {
        const previous = this.known.get(event.key);
        if (event.type === 'DELETED') {
          this.known.delete(event.key);
          this.handler.deleted(event.object);
        } else {
          this.known.set(event.key, event.object);
          this.handler.upsert(event.object, previous);
        }
      },
      onTerminate: () => this.resubscribe(),
    });
  }

  /** The object as last seen, if it exists. */
  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.known.get(this.store.keys.key(namespace, name));
  }

  /** Every object as last seen. */
  objects(): IterableIterator<KubeObject> {
    return this.known.values();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
  }

  private resubscribe(): void {
    this.unsubscribe = undefined;
    const retry = (): void => {
      if (this.stopped) return;
      this.start().catch((err: unknown) => {
        this.onError(err);
        setTimeout(retry, RESUBSCRIBE_DELAY_MS).unref();
      });
    };
    setTimeout(retry, RESUBSCRIBE_DELAY_MS).unref();
  }
}
