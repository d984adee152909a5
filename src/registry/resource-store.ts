// The generic registry: one instance per kind, serving every verb over the storage
// interface with Kubernetes semantics (optimistic concurrency, generation, status split,
// finalizers, dry run, pagination). Kind-specific behaviour comes only from the kind's
// definition and the admission step.
import { randomBytes } from 'node:crypto';
import {
  CompactedError,
  ConflictError,
  FutureRevisionError,
  KeyExistsError,
  NotFoundError,
  TxnFailedError,
  type KeyValue,
  type TxnOp,
  type Storage,
} from '../../storage/interface.js';
import { pruneUnknownFields, unknownFieldOutcome } from '../admission/pruning.js';
import { admissionSchema } from '../admission/schema.js';
import type { Admission, FieldValidation } from '../admission/types.js';
import type { KindDefinition } from '../api/kinds.js';
import { deepCopy, type KubeObject, type ObjectList } from '../api/object.js';
import * as errors from '../meta/status.js';
import { decodeObject, encodeObject } from './codec.js';
import type { ConsistentRevision } from './consistent-revision.js';
import { KeyLayout } from './keys.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { apply, updateManagedFields } from './fieldmanager/index.js';
import type { ObjectFilter } from './filter.js';
import { nowRfc3339, prepareForCreate, prepareForUpdate, unchanged } from './strategy.js';
import { TooOldError, WatchCache, type CacheWatcher } from './watch-cache.js';

export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /** Who writes: the manager metadata.managedFields records the write's fields under. */
  fieldManager: string;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
}

export interface ListRequest {
  namespace?: string;
  filter: ObjectFilter;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

export interface DeleteOptions {
  dryRun?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
}

export interface DeleteResult {
  object: KubeObject;
  /** False when finalizers hold the object: it is only marked for deletion. */
  deleted: boolean;
}

/** A server-side apply (PATCH with application/apply-patch+yaml). */
export interface ApplyRequest {
  namespace?: string;
  name: string;
  subresource: string;
  /** The decoded apply configuration, as the client sent it. */
  configuration: unknown;
  /** Take fields other managers own instead of failing with a conflict. */
  force: boolean;
}

/** Produces the desired object from the current one; may throw an ApiError. */
export type Mutator = (current: KubeObject) => KubeObject | Promise<KubeObject>;

export interface UpdateRequest {
  namespace?: string;
  name: string;
  subresource: string;
  mutate: Mutator;
  /** Retry the mutation against a fresh read on conflict (when the client sent no resourceVersion). */
  retryOnConflict: boolean;
}

/**
 * What a kind adds to the generic write path, as data handed to its store (kube's
 * strategy hooks): storage ops that must commit atomically with the object's own write
 * (e.g. the address reservations of a VPC attachment), and create-time preparation.
 */
export interface WriteHooks {
  /** Throws an ApiError to refuse the change; called again if a companion key raced. */
  companionOps?(change: { old?: KubeObject; next?: KubeObject }): Promise<TxnOp[]>;
  prepareForCreate?(obj: KubeObject): void;
}

/**
 * How the object about to be stored gets its managedFields: recorded for the writer
 * (create, update, the other patches), or already set by apply.
 */
type Ownership = (old: KubeObject | undefined, next: KubeObject, subresource: string) => KubeObject;

const SET_BY_APPLY: Ownership = (_old, next) => next;

/** A companion key changed between reading it and committing: recompute and retry. */
const COMPANION_ATTEMPTS = 16;

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const CACHE_FRESHNESS_TIMEOUT_MS = 3000;

export class ResourceStore {
  readonly keys: KeyLayout;
  readonly cache: WatchCache;
  private readonly resource: { group: string; resource: string };
  private readonly groupKind: { group: string; kind: string };

  private readonly storage: Storage;
  private readonly admission: Admission;
  private readonly consistentRevision: ConsistentRevision;
  private readonly hooks: WriteHooks;
  private readonly garbageCollected: boolean;

  constructor(
    readonly kind: KindDefinition,
    deps: {
      storage: Storage;
      admission: Admission;
      consistentRevision: ConsistentRevision;
      hooks?: WriteHooks;
      /**
       * Whether a garbage collector works on this server's objects (kube-controller-manager's,
       * when it serves them through the aggregator). Without one, nobody would ever remove
       * the finalizers that Foreground and Orphan deletion add, so they are not added.
       */
      garbageCollected?: boolean;
      onCacheError?: (err: Error) => void;
    },
  ) {
    this.hooks = deps.hooks ?? {};
    this.garbageCollected = deps.garbageCollected ?? false;
    this.storage = deps.storage;
    this.admission = deps.admission;
    this.consistentRevision = deps.consistentRevision;
    this.keys = new KeyLayout(kind);
    this.cache = new WatchCache(deps.storage, this.keys.prefix(), { onError: deps.onCacheError });
    this.resource = { group: kind.group, resource: kind.plural };
    this.groupKind = { group: kind.group, kind: kind.kind };
  }

  get namespaced(): boolean {
    return this.kind.scope === 'Namespaced';
  }

  get apiVersion(): string {
    return `${this.kind.group}/${this.kind.version}`;
  }

  /**
   * Served from the watch cache. Without a resourceVersion the read is linearizable, as
   * kube-apiserver's consistent reads from cache are: the cache first catches up with a
   * storage revision read after the request arrived.
   */
  async get(namespace: string | undefined, name: string, resourceVersion?: string): Promise<KubeObject> {
    const rv = parseResourceVersion(resourceVersion, 'resourceVersion');
    const wanted = resourceVersion === '0' ? 0 : rv || (await this.consistentRevision.read());
    if (!(await this.cache.waitFor(wanted, CACHE_FRESHNESS_TIMEOUT_MS))) {
      throw errors.timeout(`Too large resource version: ${wanted}, current: ${this.cache.currentRevision}`, 1);
    }
    const obj = this.cache.get(this.keys.key(namespace, name));
    if (!obj) throw errors.notFound(this.resource, name);
    return obj;
  }

  async create(namespace: string | undefined, body: KubeObject, opts: WriteOptions): Promise<WriteResult> {
    return this.createWith(namespace, body, opts, this.recordedFor(opts));
  }

  /**
   * The one update path behind PUT, PATCH and their status forms: read, mutate, prepare,
   * admit, write guarded by the read's revision.
   */
  async update(req: UpdateRequest, opts: WriteOptions): Promise<WriteResult> {
    return this.updateWith(req, opts, this.recordedFor(opts));
  }

  /**
   * Server-side apply: the configuration merged into the stored object, or, when there is
   * none, the object it creates (`created`). Then admission and the strategy, as for any
   * patch. Unknown fields are pruned from the configuration first (or refused, under
   * Strict), so that the applier never owns a field the object cannot keep.
   */
  async apply(req: ApplyRequest, opts: WriteOptions): Promise<WriteResult & { created: boolean }> {
    const configuration = deepCopy(req.configuration);
    const unknown = pruneUnknownFields(configuration, admissionSchema(this.kind), undefined);
    const warnings = unknownFieldOutcome(this.kind, unknown, opts.fieldValidation ?? 'Warn');
    const time = nowRfc3339();
    const applied = (live: KubeObject | undefined): KubeObject =>
      apply(live, configuration, { kind: this.kind, manager: opts.fieldManager, force: req.force, subresource: req.subresource, time });
    const withWarnings = (result: WriteResult, created: boolean) => ({ ...result, warnings: [...warnings, ...result.warnings], created });
    for (;;) {
      try {
        return withWarnings(await this.updateWith({ ...req, mutate: applied, retryOnConflict: true }, opts, SET_BY_APPLY), false);
      } catch (err) {
        // Only the object itself is created by an apply, never through a subresource.
        if (req.subresource || !(errors.isApiError(err) && err.status.code === 404)) throw err;
      }
      const created = applied(undefined);
      this.checkIdentity(created, req.namespace, req.name);
      try {
        return withWarnings(await this.createWith(req.namespace, created, opts, SET_BY_APPLY), true);
      } catch (err) {
        // Created meanwhile by someone else: apply to theirs.
        if (!(errors.isApiError(err) && err.status.reason === 'AlreadyExists')) throw err;
      }
    }
  }

  /** The managedFields of a write that is not an apply: the writer takes what it changed. */
  private recordedFor(opts: WriteOptions): Ownership {
    const time = nowRfc3339();
    return (old, next, subresource) => updateManagedFields(old, next, { kind: this.kind, manager: opts.fieldManager, subresource, time });
  }

  private async createWith(namespace: string | undefined, body: KubeObject, opts: WriteOptions, ownership: Ownership): Promise<WriteResult> {
    const obj = deepCopy(body);
    this.checkTypeMeta(obj);
    obj.metadata ??= {};
    this.bindNamespace(obj, namespace);
    const generated = !obj.metadata.name && !!obj.metadata.generateName;
    if (!obj.metadata.name && !generated) {
      throw errors.invalid(this.groupKind, '', [errors.fieldRequired('metadata.name', 'name or generateName is required')]);
    }
    prepareForCreate(this.kind, obj);
    this.hooks.prepareForCreate?.(obj);
    for (let attempt = 0; ; attempt++) {
      if (generated) obj.metadata.name = generateName(obj.metadata.generateName!);
      const warnings = await this.admission.admit({
        operation: 'CREATE',
        kind: this.kind,
        object: obj,
        subresource: '',
        fieldValidation: opts.fieldValidation ?? 'Warn',
        dryRun: !!opts.dryRun,
      });
      const owned = ownership(undefined, obj, '');
      if (opts.dryRun) return { object: owned, warnings };
      try {
        const key = this.keys.key(namespace, owned.metadata.name!);
        const kv = await this.commit({ type: 'create', key, value: encodeObject(owned) }, { next: owned });
        return { object: stored(owned, kv!), warnings };
      } catch (err) {
        if (!(err instanceof KeyExistsError)) throw err;
        if (!generated || attempt >= 7) throw errors.alreadyExists(this.resource, obj.metadata.name!);
      }
    }
  }

  private async updateWith(req: UpdateRequest, opts: WriteOptions, ownership: Ownership): Promise<WriteResult> {
    const key = this.keys.key(req.namespace, req.name);
    for (;;) {
      const kv = await this.storage.get(key);
      if (!kv) throw errors.notFound(this.resource, req.name);
      const current = decodeObject(kv);
      const desired = await req.mutate(deepCopy(current));
      this.checkTypeMeta(desired);
      desired.metadata ??= {};
      this.checkIdentity(desired, req.namespace, req.name);
      // A uid in the body is a precondition, as in kube: never overwrite a namesake.
      this.checkPreconditions(current, { uid: desired.metadata.uid });
      const expectedRv = desired.metadata.resourceVersion;
      if (expectedRv && expectedRv !== current.metadata.resourceVersion) {
        throw errors.conflict(this.resource, req.name, errors.OPTIMISTIC_LOCK_MESSAGE);
      }
      const prepared = prepareForUpdate(this.kind, desired, current, req.subresource);
      const warnings = await this.admission.admit({
        operation: 'UPDATE',
        kind: this.kind,
        object: prepared,
        oldObject: current,
        subresource: req.subresource,
        fieldValidation: opts.fieldValidation ?? 'Warn',
        dryRun: !!opts.dryRun,
      });
      // After admission, so that what defaulting adds and pruning drops is accounted for.
      const next = ownership(current, prepared, req.subresource);
      const finalized = !!next.metadata.deletionTimestamp && !next.metadata.finalizers?.length;
      if (opts.dryRun) return { object: next, warnings };
      if (unchanged(next, current) && !finalized) return { object: current, warnings };
      try {
        if (finalized) {
          await this.commit({ type: 'delete', key, expectedModRevision: kv.modRevision }, { old: current });
          return { object: next, warnings };
        }
        const written = await this.commit({ type: 'update', key, value: encodeObject(next), expectedModRevision: kv.modRevision }, { old: current, next });
        return { object: stored(next, written!), warnings };
      } catch (err) {
        const raced = err instanceof ConflictError || err instanceof NotFoundError;
        if (!raced) throw err;
        if (err instanceof NotFoundError) throw errors.notFound(this.resource, req.name);
        if (!req.retryOnConflict) throw errors.conflict(this.resource, req.name, errors.OPTIMISTIC_LOCK_MESSAGE);
      }
    }
  }

  async delete(namespace: string | undefined, name: string, opts: DeleteOptions): Promise<DeleteResult> {
    const key = this.keys.key(namespace, name);
    for (;;) {
      const kv = await this.storage.get(key);
      if (!kv) throw errors.notFound(this.resource, name);
      const current = decodeObject(kv);
      this.checkPreconditions(current, opts.preconditions);
      const finalizers = this.withPropagationFinalizer(current.metadata.finalizers ?? [], opts.propagationPolicy);
      try {
        if (finalizers.length === 0) {
          if (!opts.dryRun) await this.commit({ type: 'delete', key, expectedModRevision: kv.modRevision }, { old: current });
          return { object: current, deleted: true };
        }
        if (current.metadata.deletionTimestamp && finalizers.length === current.metadata.finalizers?.length) {
          return { object: current, deleted: false };
        }
        const marked = deepCopy(current);
        marked.metadata.deletionTimestamp ??= nowRfc3339();
        marked.metadata.deletionGracePeriodSeconds = 0;
        marked.metadata.finalizers = finalizers;
        if (opts.dryRun) return { object: marked, deleted: false };
        const written = await this.storage.update(key, encodeObject(marked), kv.modRevision);
        return { object: stored(marked, written), deleted: false };
      } catch (err) {
        if (err instanceof NotFoundError) throw errors.notFound(this.resource, name);
        if (!(err instanceof ConflictError)) throw err;
      }
    }
  }

  /**
   * Writes the object's own op together with the kind's companion ops in one storage
   * transaction. A failure of the object's op surfaces as its cause (conflict, exists,
   * not found); a raced companion key makes the hook recompute its ops.
   */
  private async commit(main: TxnOp, change: { old?: KubeObject; next?: KubeObject }): Promise<KeyValue | null> {
    for (let attempt = 1; ; attempt++) {
      const companions = (await this.hooks.companionOps?.(change)) ?? [];
      try {
        const { results } = await this.storage.txn([main, ...companions]);
        return main.type === 'delete' ? null : results[0]!;
      } catch (err) {
        if (!(err instanceof TxnFailedError)) throw err;
        if (err.opIndex === 0) throw err.cause;
        if (attempt >= COMPANION_ATTEMPTS) throw errors.conflict(this.resource, change.next?.metadata.name ?? change.old?.metadata.name ?? '', 'related objects kept changing; try again');
      }
    }
  }

  async list(req: ListRequest): Promise<ObjectList> {
    const prefix = this.keys.prefix(req.namespace);
    const rv = parseResourceVersion(req.resourceVersion, 'resourceVersion');
    if (req.continueToken) {
      // "0" with a continue token is tolerated (the token decides), as kube does.
      if (rv > 0) throw errors.badRequest('specifying resource version is not allowed when using continue');
      const token = decodeContinue(req.continueToken);
      return this.listFromStorage(req, this.keys.prefix() + token.start, token.revision, prefix);
    }
    // A first page at N without a match rule is read at exactly N, as kube pages it.
    const exact = req.resourceVersionMatch === 'Exact' || (rv > 0 && !req.resourceVersionMatch && !!req.limit);
    if (req.resourceVersionMatch && !req.resourceVersion) {
      throw errors.badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    }
    if (exact && rv === 0) throw errors.badRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion "0"');
    // kube-apiserver's rules: "" is a consistent read, "0" any state, N with NotOlderThan
    // at least N, all from the watch cache once it has caught up (with "" a storage
    // revision read after the request arrived, as kube's consistent reads from cache);
    // pages (limit) and Exact N are read from storage at their revision.
    const anyState = req.resourceVersion === '0';
    const consistent = !req.resourceVersion && !req.limit;
    if (anyState || consistent || (rv > 0 && !exact && !req.limit)) {
      const wanted = consistent ? await this.consistentRevision.read() : rv;
      if (wanted > 0 && !(await this.cache.waitFor(wanted, CACHE_FRESHNESS_TIMEOUT_MS))) {
        throw errors.timeout(`Too large resource version: ${wanted}, current: ${this.cache.currentRevision}`, 1);
      }
      await this.cache.start();
      const { items, revision } = this.cache.list(prefix);
      // Unfiltered, the cache's own (shared, immutable) array: its serialized form is reused.
      return this.listResult(req.filter.empty ? items : items.filter((o) => req.filter.matches(o)), revision);
    }
    return this.listFromStorage(req, prefix, exact ? rv : 0, prefix);
  }

  /** Pages through storage, filling each page with `limit` matching objects. */
  private async listFromStorage(req: ListRequest, startKey: string, revision: number, prefix: string): Promise<ObjectList> {
    const limit = req.limit ?? 0;
    const items: KubeObject[] = [];
    let readRevision = revision;
    let next: string | undefined = startKey;
    let remaining = 0;
    let more = false;
    try {
      for (;;) {
        const page = await this.storage.list(prefix, { revision: readRevision, limit: limit ? limit - items.length : 0, startKey: next });
        readRevision = page.revision;
        for (const kv of page.items) {
          const obj = decodeObject(kv);
          if (req.filter.matches(obj)) items.push(obj);
        }
        more = page.more;
        remaining = page.remaining;
        if (page.items.length) next = page.items[page.items.length - 1]!.key + '\0';
        if (!more || (limit && items.length >= limit)) break;
      }
    } catch (err) {
      if (err instanceof CompactedError) {
        throw req.continueToken
          ? errors.resourceExpired(
              'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
            )
          : errors.resourceExpired(`The resourceVersion for the provided list is too old.`);
      }
      if (err instanceof FutureRevisionError) {
        throw errors.timeout(`Too large resource version: ${err.requestedRevision}, current: ${err.currentRevision}`, 1);
      }
      throw err;
    }
    const list = this.listResult(items, readRevision);
    if (more && next) {
      list.metadata.continue = encodeContinue({ revision: readRevision, start: next.slice(this.keys.prefix().length) });
      // Counts are exact only when every stored object is a candidate.
      if (req.filter.empty) list.metadata.remainingItemCount = remaining;
    }
    return list;
  }

  private listResult(items: KubeObject[], revision: number): ObjectList {
    return {
      apiVersion: this.apiVersion,
      kind: this.kind.listKind,
      metadata: { resourceVersion: String(revision) },
      items,
    };
  }

  /**
   * Starts a watch from the cache. `resourceVersion` "" or "0" (or sendInitialEvents)
   * first replays the current state as ADDED events, as kube-apiserver does.
   */
  async watch(
    req: { namespace?: string; filter: ObjectFilter; resourceVersion?: string; sendInitialEvents?: boolean },
    sink: CacheWatcher & { onInitialEventsEnd?(revision: number): void },
  ): Promise<() => void> {
    await this.cache.start();
    const rv = parseResourceVersion(req.resourceVersion, 'resourceVersion');
    const initial = req.sendInitialEvents ?? (rv === 0);
    // The initial state for an unset resourceVersion is a consistent read, as a list's
    // would be: the cache first catches up with storage, so a client sees its own writes.
    const atLeast = rv > 0 ? rv : initial && !req.resourceVersion ? await this.storage.currentRevision() : 0;
    if (atLeast > 0 && !(await this.cache.waitFor(atLeast, CACHE_FRESHNESS_TIMEOUT_MS))) {
      throw errors.timeout(`Too large resource version: ${atLeast}, current: ${this.cache.currentRevision}`, 1);
    }
    const prefix = this.keys.prefix(req.namespace);
    if (initial) {
      const { items, revision } = this.cache.list(prefix);
      for (const object of items) {
        sink.onEvent({ type: 'ADDED', key: '', object, revision: Number(object.metadata.resourceVersion) });
      }
      sink.onInitialEventsEnd?.(revision);
      return this.cache.watch(revision, sink);
    }
    try {
      // Without a resourceVersion and without initial events, the watch starts now.
      return this.cache.watch(rv || this.cache.currentRevision, sink);
    } catch (err) {
      if (err instanceof TooOldError) throw errors.resourceExpired(err.message);
      throw err;
    }
  }

  /** The finalizer the garbage collector acts on for Foreground and Orphan deletion, if there is one. */
  private withPropagationFinalizer(finalizers: string[], policy: DeleteOptions['propagationPolicy']): string[] {
    if (!this.garbageCollected) return finalizers;
    const extra = policy === 'Foreground' ? 'foregroundDeletion' : policy === 'Orphan' ? 'orphan' : undefined;
    return extra && !finalizers.includes(extra) ? [...finalizers, extra] : finalizers;
  }

  private checkTypeMeta(obj: KubeObject): void {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw errors.badRequest('the request body must be a JSON or YAML object');
    // As kube's decoder: type information is required, and metadata must be an object.
    if (obj.kind === undefined || obj.kind === null || obj.kind === '') throw errors.badRequest(`Object 'Kind' is missing`);
    if (obj.apiVersion === undefined || obj.apiVersion === null || obj.apiVersion === '') throw errors.badRequest(`Object 'apiVersion' is missing`);
    const meta: unknown = obj.metadata;
    if (meta !== undefined && (typeof meta !== 'object' || meta === null || Array.isArray(meta))) {
      throw errors.badRequest('metadata: must be an object (ObjectMeta)');
    }
    if (obj.apiVersion !== this.apiVersion) {
      throw errors.badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${this.apiVersion})`);
    }
    if (obj.kind !== this.kind.kind) {
      throw errors.badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${this.kind.kind})`);
    }
    obj.apiVersion = this.apiVersion;
    obj.kind = this.kind.kind;
  }

  private bindNamespace(obj: KubeObject, namespace: string | undefined): void {
    if (!this.namespaced) {
      delete obj.metadata.namespace;
      return;
    }
    if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    obj.metadata.namespace = namespace;
  }

  private checkIdentity(obj: KubeObject, namespace: string | undefined, name: string): void {
    if (obj.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${name})`);
    }
    this.bindNamespace(obj, namespace);
    obj.metadata.name = name;
  }

  private checkPreconditions(current: KubeObject, pre: DeleteOptions['preconditions']): void {
    if (pre?.uid && pre.uid !== current.metadata.uid) {
      throw errors.conflict(
        this.resource,
        current.metadata.name!,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw errors.conflict(
        this.resource,
        current.metadata.name!,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
      );
    }
  }
}

/** The object just written, as storage holds it: our own copy with its new resourceVersion (no need to parse the bytes back). */
function stored(written: KubeObject, kv: KeyValue): KubeObject {
  return { ...written, metadata: { ...written.metadata, resourceVersion: String(kv.modRevision) } };
}

function generateName(prefix: string): string {
  const bytes = randomBytes(5);
  let suffix = '';
  for (const b of bytes) suffix += GENERATE_NAME_ALPHABET[b % GENERATE_NAME_ALPHABET.length];
  return prefix + suffix;
}

export function parseResourceVersion(value: string | undefined, param: string): number {
  if (value === undefined || value === '') return 0;
  if (!/^\d+$/.test(value)) throw errors.badRequest(`invalid ${param}: ${value}`);
  return Number(value);
}

