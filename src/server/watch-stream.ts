// One HTTP watch: events from the resource's watch cache, filtered by the request's
// selectors, transformed to the requested representation and written as a chunked
// stream of watch events, flushed per event: newline-delimited JSON, or length-prefixed
// protobuf frames.
import type { ServerResponse } from 'node:http';
import type { KubeObject } from '../api/object.js';
import type { Status } from '../meta/status.js';
import { encodeWatchFrame, PROTOBUF_WATCH_MEDIA_TYPE, type WatchEventType } from '../protobuf/index.js';
import type { ObjectFilter } from '../registry/filter.js';
import type { CacheEvent, CacheWatcher, EventType } from '../registry/watch-cache.js';
import { transformObject, type TransformContext } from './representation.js';

export interface WatchStreamOptions {
  filter: ObjectFilter;
  namespace?: string;
  transform: TransformContext;
  allowBookmarks: boolean;
  bookmarkIntervalMs: number;
  timeoutMs: number;
  /** The kind's apiVersion and kind, for bookmark objects. */
  typeMeta: { apiVersion: string; kind: string };
  onClose: () => void;
}

/** A client that falls this far behind is cut off (it re-watches), as kube-apiserver does. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

type Encoded = string | Buffer;

/** Serialised events shared by every watcher asking for the same representation. */
const sharedLines = new WeakMap<KubeObject, Map<string, Encoded>>();

export class WatchStream implements CacheWatcher {
  private closed = false;
  private lastRevision = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private sentFirst = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: WatchStreamOptions,
  ) {
    const { choice } = opts.transform;
    res.writeHead(200, {
      'Content-Type': choice.serializer === 'protobuf' ? PROTOBUF_WATCH_MEDIA_TYPE : choice.contentType,
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    this.timers.push(setTimeout(() => this.end(), opts.timeoutMs));
    if (opts.allowBookmarks) {
      this.timers.push(setInterval(() => this.bookmark(), opts.bookmarkIntervalMs));
    }
    res.on('close', () => this.end());
  }

  /** The stream has ended (client gone, timeout, error): it takes no more events. */
  get finished(): boolean {
    return this.closed;
  }

  onEvent(event: CacheEvent): void {
    if (this.closed) return;
    const type = this.visibleType(event);
    this.lastRevision = event.revision;
    if (!type) return;
    // An object that stops matching leaves as it was when it last matched, at this
    // event's revision, as kube's cacher sends it.
    const leaving = type === 'DELETED' && event.type === 'MODIFIED';
    this.write(type, leaving ? withResourceVersion(event.prevObject!, event.revision) : event.object);
  }

  onProgress(revision: number): void {
    this.lastRevision = Math.max(this.lastRevision, revision);
  }

  onTerminate(): void {
    this.end();
  }

  /** The initial state has been sent (sendInitialEvents): tell the client with a bookmark. */
  onInitialEventsEnd(revision: number): void {
    this.lastRevision = revision;
    if (this.opts.allowBookmarks) this.bookmark({ 'k8s.io/initial-events-end': 'true' });
  }

  /** Ends the stream with an ERROR event carrying a Status (e.g. 410 Gone). */
  error(status: Status): void {
    if (this.closed) return;
    this.send(this.event('ERROR', status));
    this.end();
  }

  /**
   * kube's selector semantics on watches: an object that starts matching appears as
   * ADDED, one that stops matching as DELETED.
   */
  private visibleType(event: CacheEvent): EventType | null {
    const matches = (o: KubeObject | undefined): boolean =>
      !!o && (!this.opts.namespace || o.metadata.namespace === this.opts.namespace) && this.opts.filter.matches(o);
    const now = matches(event.object);
    if (event.type === 'ADDED') return now ? 'ADDED' : null;
    if (event.type === 'DELETED') return matches(event.prevObject ?? event.object) ? 'DELETED' : null;
    const before = matches(event.prevObject);
    if (before && now) return 'MODIFIED';
    if (now) return 'ADDED';
    return before ? 'DELETED' : null;
  }

  private write(type: EventType, object: KubeObject): void {
    this.send(this.line(type, object));
  }

  private line(type: EventType, object: KubeObject): Encoded {
    const ctx = this.opts.transform;
    // Tables carry column definitions on the first event only, so they are per stream.
    if (ctx.choice.transform === 'Table') {
      const line = this.event(type, transformObject(object, { ...ctx, noHeaders: this.sentFirst }));
      this.sentFirst = true;
      return line;
    }
    const key = `${type}|${ctx.choice.contentType}`;
    let lines = sharedLines.get(object);
    if (!lines) sharedLines.set(object, (lines = new Map()));
    let line = lines.get(key);
    if (line === undefined) {
      line = this.event(type, transformObject(object, ctx));
      lines.set(key, line);
    }
    return line;
  }

  /** One event in the stream's encoding. */
  private event(type: WatchEventType, object: unknown): Encoded {
    if (this.opts.transform.choice.serializer === 'protobuf') return encodeWatchFrame(type, object as object);
    return JSON.stringify({ type, object }) + '\n';
  }

  private bookmark(annotations?: Record<string, string>): void {
    if (this.closed || this.lastRevision === 0) return;
    const metadata: Record<string, unknown> = { resourceVersion: String(this.lastRevision) };
    if (annotations) metadata.annotations = annotations;
    const { transform, transformVersion } = this.opts.transform.choice;
    const typeMeta = transform && transform !== 'Table' ? { apiVersion: transformVersion, kind: 'PartialObjectMetadata' } : this.opts.typeMeta;
    this.send(this.event('BOOKMARK', { ...typeMeta, metadata }));
  }

  private send(line: Encoded): void {
    if (this.closed) return;
    if (this.res.writableLength > MAX_BUFFERED_BYTES) {
      this.end();
      return;
    }
    this.res.write(line);
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.opts.onClose();
    if (!this.res.writableEnded) this.res.end();
  }
}

function withResourceVersion(object: KubeObject, revision: number): KubeObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } };
}
