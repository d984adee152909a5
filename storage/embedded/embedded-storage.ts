import {
  CompactedError,
  FutureRevisionError,
  StorageError,
  TxnFailedError,
  UnavailableError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Storage,
  type TxnOp,
  type TxnResult,
  type Watch,
  type WatchHandlers,
} from '../interface.js';
import { makeDirDurably } from './data-dir.js';
import { DirLock } from './dir-lock.js';
import { DurableLog } from './durable-log.js';
import { MvccKeySpace } from './mvcc.js';
import { decodeLogRecord, decodeSnapshot, encodeCompactRecord, encodeSnapshot, encodeTxnRecord } from './record-codec.js';
import { recoverLog, type RecoveredLog } from './recovery.js';
import { planTxn } from './txn-plan.js';
import { WatchHub } from './watch-hub.js';

export interface EmbeddedStorageOptions {
  /**
   * When the current log segment grows past this many bytes, appends move to a new one and
   * a snapshot replaces the old: this bounds start-up time and disk use. Default 64 MiB.
   */
  snapshotThresholdBytes?: number;
}

const defaultSnapshotThresholdBytes = 64 * 1024 * 1024;

/**
 * The storage contract in-process and durable on local disk, for running without etcd.
 * The key space and its history live in memory (`MvccKeySpace`); every change goes to a
 * write-ahead log and is acknowledged, or seen by any reader or watcher, only once it is
 * on disk. So nothing a caller has seen is lost by a crash, and no revision is reused.
 * One process at a time owns a data dir.
 */
export class EmbeddedStorage implements Storage {
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly dataDir: string,
    private readonly lock: DirLock,
    private readonly space: MvccKeySpace,
    private readonly watches: WatchHub,
    private readonly log: DurableLog,
  ) {}

  static async open(dataDir: string, options: EmbeddedStorageOptions = {}): Promise<EmbeddedStorage> {
    await makeDirDurably(dataDir);
    const lock = await DirLock.acquire(dataDir);
    try {
      const recovered = await recoverLog(dataDir);
      const space = replay(recovered);
      const watches = new WatchHub(space, space.revision);
      const log = await DurableLog.resume(dataDir, recovered.tail, {
        snapshotThresholdBytes: options.snapshotThresholdBytes ?? defaultSnapshotThresholdBytes,
        captureSnapshot: () => encodeSnapshot(space.image()),
        onDurable: (revision) => watches.advance(revision),
        onFailure: (err) => watches.endAll(err),
      });
      return new EmbeddedStorage(dataDir, lock, space, watches, log);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  async get(key: string): Promise<KeyValue | null> {
    this.ensureUsable();
    const kv = this.space.latest(key);
    await this.log.flushed();
    return kv;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.ensureUsable();
    const current = this.space.revision;
    const revision = opts.revision || current;
    if (revision > current) throw new FutureRevisionError(revision, current);
    if (revision < this.space.compactRevision) throw new CompactedError(revision, this.space.compactRevision);
    const result = this.space.list(prefix, revision, opts.limit, opts.startKey);
    await this.log.flushed();
    return result;
  }

  create(key: string, value: Uint8Array): Promise<KeyValue> {
    return this.single({ type: 'create', key, value });
  }

  update(key: string, value: Uint8Array, expectedModRevision: number): Promise<KeyValue> {
    return this.single({ type: 'update', key, value, expectedModRevision });
  }

  delete(key: string, opts: { expectedModRevision?: number } = {}): Promise<KeyValue> {
    return this.single({ type: 'delete', key, ...opts });
  }

  async txn(ops: TxnOp[]): Promise<TxnResult> {
    this.ensureUsable();
    if (ops.length === 0) return { revision: await this.currentRevision(), results: [] };
    const writes = planTxn(ops, (key) => this.space.latest(key));
    const revision = this.space.revision + 1;
    // Encoded before applying, so a failure here leaves memory and log agreeing.
    const record = encodeTxnRecord(revision, writes);
    const results = this.space.apply(revision, writes);
    await this.log.append(record, revision);
    return { revision, results };
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch {
    const unusable = this.unusable();
    if (!unusable) return this.watches.watch(prefix, afterRevision, handlers);
    let open = true;
    queueMicrotask(() => open && handlers.onError(unusable));
    return { close: () => (open = false), requestProgress: () => {} };
  }

  async currentRevision(): Promise<number> {
    this.ensureUsable();
    const revision = this.space.revision;
    await this.log.flushed();
    return revision;
  }

  async compact(revision: number): Promise<void> {
    this.ensureUsable();
    if (revision > this.space.revision) throw new FutureRevisionError(revision, this.space.revision);
    // Watchers first take every event they can before it goes.
    await this.log.flushed();
    this.ensureUsable();
    this.watches.deliverAll();
    // Like the etcd backend: history already forgotten up to here or beyond is no failure.
    if (revision <= this.space.compactRevision) return;
    const record = encodeCompactRecord(revision);
    this.space.compact(revision);
    await this.log.append(record, this.space.revision);
  }

  /** Finishes acknowledged work, ends watches and releases the data dir. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    try {
      await this.log.close();
    } finally {
      this.watches.endAll();
      await this.lock.release();
    }
  }

  private async single(op: TxnOp): Promise<KeyValue> {
    try {
      return (await this.txn([op])).results[0]!;
    } catch (err) {
      throw err instanceof TxnFailedError ? err.cause : err;
    }
  }

  private unusable(): UnavailableError | null {
    if (this.closing) return new UnavailableError(`embedded storage in ${this.dataDir} is closed`);
    return this.log.failure;
  }

  private ensureUsable(): void {
    const err = this.unusable();
    if (err) throw err;
  }
}

/** Rebuilds the key space from the snapshot and the log records after it. */
function replay(recovered: RecoveredLog): MvccKeySpace {
  const space = recovered.snapshot ? MvccKeySpace.fromImage(decodeSnapshot(recovered.snapshot)) : new MvccKeySpace();
  for (const payload of recovered.records) {
    const record = decodeLogRecord(payload);
    if (record.type === 'compact') {
      if (record.revision > space.compactRevision) space.compact(record.revision);
    } else if (record.revision === space.revision + 1) {
      space.apply(record.revision, record.writes);
    } else {
      throw new StorageError(`the log goes from revision ${space.revision} to ${record.revision}: records are missing`);
    }
  }
  return space;
}
