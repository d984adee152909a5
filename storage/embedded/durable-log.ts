import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { UnavailableError } from '../interface.js';
import { removeFilesBefore, segmentName, snapshotName, syncDir, writeFileAtomically, writeFully } from './data-dir.js';
import { frame } from './framing.js';

export interface DurableLogOptions {
  /** Once a segment has grown past this many bytes, the log moves on to a new one and snapshots. */
  snapshotThresholdBytes: number;
  /**
   * The state that every record appended so far adds up to, as snapshot records. Called
   * synchronously; the records may be produced later, while the snapshot is written.
   */
  captureSnapshot(): Iterable<Uint8Array>;
  /** A batch of records became durable; `mark` is the one appended with its last record. */
  onDurable(mark: number): void;
  /** Writing failed (see `failure`). */
  onFailure(err: UnavailableError): void;
}

interface Waiter {
  seq: number;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * The write-ahead log. Records become durable with group commit: the records appended
 * while one write + fdatasync is in flight go to disk together in the next. The log keeps
 * itself bounded: when a segment is full, appends move to a new segment and a snapshot of
 * the state up to there replaces the older segments, written in the background.
 */
export class DurableLog {
  private pending: Buffer[] = [];
  private pendingMark = 0;
  private appendedSeq = 0;
  private durableSeq = 0;
  /** Ordered by `seq`, since sequence numbers are handed out in call order. */
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | null = null;
  private snapshotting: Promise<void> | null = null;
  #failure: UnavailableError | null = null;

  private constructor(
    private readonly dir: string,
    private file: FileHandle,
    private segment: number,
    private segmentBytes: number,
    private readonly options: DurableLogOptions,
  ) {}

  /** Goes on appending to `tail`, as left by `recoverLog`. */
  static async resume(dir: string, tail: { segment: number; bytes: number }, options: DurableLogOptions): Promise<DurableLog> {
    const file = await open(join(dir, segmentName(tail.segment)), 'a');
    return new DurableLog(dir, file, tail.segment, tail.bytes, options);
  }

  /** Why writing failed, if it did: then nothing appended becomes durable any more. */
  get failure(): UnavailableError | null {
    return this.#failure;
  }

  /** Queues a record; resolves once it, and every record appended before it, is durable. */
  append(payload: Uint8Array, mark: number): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    this.pending.push(frame(payload));
    this.pendingMark = mark;
    const seq = ++this.appendedSeq;
    this.flushing ??= this.flush();
    return this.whenDurable(seq);
  }

  /** Resolves once everything appended so far is durable. */
  flushed(): Promise<void> {
    return this.whenDurable(this.appendedSeq);
  }

  /** Finishes pending writes and the snapshot in progress, then closes the segment. */
  async close(): Promise<void> {
    await this.flushing;
    await this.snapshotting;
    await this.file.close();
  }

  private whenDurable(seq: number): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (seq <= this.durableSeq) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  private async flush(): Promise<void> {
    // Let every write of this turn of the event loop join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.pending.length > 0) await this.writeBatch();
    } catch (err) {
      this.fail(err);
    }
    // Cleared in the same turn as finding nothing pending, so no append can be stranded.
    this.flushing = null;
  }

  private async writeBatch(): Promise<void> {
    const batch = Buffer.concat(this.pending);
    const seq = this.appendedSeq;
    const mark = this.pendingMark;
    this.pending = [];
    // Captured now, while the state is exactly what the records up to `seq` make it.
    const full = this.segmentBytes + batch.length >= this.options.snapshotThresholdBytes;
    const snapshot = full && !this.snapshotting ? this.options.captureSnapshot() : null;

    await writeFully(this.file, batch);
    await this.file.datasync();
    this.segmentBytes += batch.length;
    this.durableSeq = seq;
    this.options.onDurable(mark);
    let done = 0;
    while (done < this.waiters.length && this.waiters[done]!.seq <= seq) done++;
    for (const waiter of this.waiters.splice(0, done)) waiter.resolve();

    if (snapshot) await this.startSegment(snapshot);
  }

  /** Moves appends to a new segment, then has `snapshot` replace everything before it. */
  private async startSegment(snapshot: Iterable<Uint8Array>): Promise<void> {
    const next = this.segment + 1;
    const file = await open(join(this.dir, segmentName(next)), 'wx');
    // The new segment's name must be durable before any record in it is acknowledged.
    await syncDir(this.dir);
    await this.file.close();
    this.file = file;
    this.segment = next;
    this.segmentBytes = 0;
    this.snapshotting = this.writeSnapshot(snapshot, next).finally(() => {
      this.snapshotting = null;
    });
  }

  private async writeSnapshot(snapshot: Iterable<Uint8Array>, seq: number): Promise<void> {
    try {
      await writeFileAtomically(this.dir, snapshotName(seq), framed(snapshot));
      await removeFilesBefore(this.dir, seq);
    } catch {
      // Not fatal: the segments this snapshot would have replaced are all still there, and
      // the next full segment tries again with a snapshot that covers them as well.
    }
  }

  private fail(err: unknown): void {
    const reason = err instanceof Error ? err.message : String(err);
    this.#failure = new UnavailableError(`writing the log in ${this.dir} failed: ${reason}`, { cause: err });
    this.pending = [];
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.#failure);
    this.options.onFailure(this.#failure);
  }
}

function* framed(payloads: Iterable<Uint8Array>): Generator<Buffer> {
  for (const payload of payloads) yield frame(payload);
}
