// The storage contract every backend honours. It is deliberately shaped like etcd's
// MVCC key space (revisions, mod revisions, watch from a revision, compaction), because
// Kubernetes API semantics (resourceVersion, optimistic concurrency, watch resume,
// 410 Gone) are defined in those terms. Values are opaque bytes: encoding is the
// caller's business. This module imports nothing of the project's.

/** One stored key at one revision. */
export interface KeyValue {
  key: string;
  value: Uint8Array;
  /** Revision of the transaction that created this key (since its last deletion). */
  createRevision: number;
  /** Revision of the transaction that last wrote this key: the object's resourceVersion. */
  modRevision: number;
}

export interface ListOptions {
  /** Read the key space as it was at this revision; 0 or absent means "now". */
  revision?: number;
  /** At most this many items; 0 or absent means no limit. */
  limit?: number;
  /** Start at this key (inclusive). Used to continue a previous page. */
  startKey?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at; continue pages must pass it back. */
  revision: number;
  /** Whether keys beyond the returned page exist under the prefix. */
  more: boolean;
  /** How many keys under the prefix come after this page (exact at `revision`). */
  remaining: number;
}

export type TxnOp =
  | { type: 'create'; key: string; value: Uint8Array }
  | { type: 'update'; key: string; value: Uint8Array; expectedModRevision: number }
  | { type: 'delete'; key: string; expectedModRevision?: number };

export interface TxnResult {
  /** Revision at which every op of the transaction became visible. */
  revision: number;
  /** The key values after the transaction, in op order (for deletes: the deleted value). */
  results: KeyValue[];
}

export interface WatchEvent {
  type: 'put' | 'delete';
  /** For put: the new value. For delete: the last value before deletion, with modRevision set to the deletion revision. */
  kv: KeyValue;
  /** For put on an existing key: the value it replaced. */
  prevKv?: KeyValue;
  /** The revision at which the event happened. */
  revision: number;
}

export interface WatchHandlers {
  /** Events arrive in revision order, each exactly once. */
  onEvent(event: WatchEvent): void;
  /**
   * The watch has ended abnormally. A `CompactedError` means the start revision is no
   * longer available; the caller must relist.
   */
  onError(err: Error): void;
  /**
   * Every event of this watch with revision ≤ `revision` has been delivered. Sent in
   * answer to `Watch.requestProgress()`, so a quiet prefix can prove it is up to date.
   */
  onProgress?(revision: number): void;
}

export interface Watch {
  close(): void;
  /** Asks for an `onProgress` call once everything up to the store's current revision is delivered. */
  requestProgress(): void;
}

export interface Storage {
  get(key: string): Promise<KeyValue | null>;
  /** Keys that start with `prefix`, in byte order. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Fails with `KeyExistsError` when the key exists. */
  create(key: string, value: Uint8Array): Promise<KeyValue>;
  /** Fails with `ConflictError` when the key's mod revision differs, `NotFoundError` when absent. */
  update(key: string, value: Uint8Array, expectedModRevision: number): Promise<KeyValue>;
  /** Returns the deleted value. `NotFoundError` when absent; `ConflictError` on a precondition mismatch. */
  delete(key: string, opts?: { expectedModRevision?: number }): Promise<KeyValue>;
  /** All ops commit at one revision, or none do (`TxnFailedError` names the first failing op). */
  txn(ops: TxnOp[]): Promise<TxnResult>;
  /** Delivers every event under `prefix` with revision > `afterRevision`, in order. */
  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch;
  currentRevision(): Promise<number>;
  /** Forget history before `revision`; watches and reads older than it fail with `CompactedError`. */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

export class StorageError extends Error {}

export class KeyExistsError extends StorageError {
  constructor(readonly key: string) {
    super(`key ${key} already exists`);
  }
}

export class NotFoundError extends StorageError {
  constructor(readonly key: string) {
    super(`key ${key} not found`);
  }
}

export class ConflictError extends StorageError {
  constructor(
    readonly key: string,
    readonly expectedModRevision: number,
    readonly actualModRevision: number,
  ) {
    super(`key ${key}: expected mod revision ${expectedModRevision}, found ${actualModRevision}`);
  }
}

/** A transaction did not commit because one of its ops' conditions failed. */
export class TxnFailedError extends StorageError {
  constructor(
    readonly opIndex: number,
    readonly cause: KeyExistsError | NotFoundError | ConflictError,
  ) {
    super(`transaction op ${opIndex} failed: ${cause.message}`);
  }
}

/** The requested revision has been compacted away (the API maps this to 410 Gone). */
export class CompactedError extends StorageError {
  constructor(
    readonly requestedRevision: number,
    readonly compactRevision: number,
  ) {
    super(`revision ${requestedRevision} has been compacted (oldest available: ${compactRevision})`);
  }
}

/** The backend cannot be reached or failed internally (the API maps this to 5xx). */
export class UnavailableError extends StorageError {}

/** A read asked for a revision the store has not reached yet. */
export class FutureRevisionError extends StorageError {
  constructor(
    readonly requestedRevision: number,
    readonly currentRevision: number,
  ) {
    super(`revision ${requestedRevision} is in the future (current: ${currentRevision})`);
  }
}
