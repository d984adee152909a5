import { Etcd3, type IEvent, type IOptions, type IWatchResponse, type KVClient } from 'etcd3';
import { EtcdKeySpace } from './etcd-keys.js';
import { currentValueReads, firstFailure, txnCompares, txnRequests, txnResults } from './etcd-txn.js';
import { WatchStream } from './etcd-watch-stream.js';
import {
  CompactedError,
  FutureRevisionError,
  TxnFailedError,
  UnavailableError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Storage,
  type TxnOp,
  type TxnResult,
  type Watch,
  type WatchEvent,
  type WatchHandlers,
} from './interface.js';

export interface EtcdStorageOptions {
  /** Client URLs, e.g. `http://127.0.0.1:2379` (`https://` when `tls` is given). */
  endpoints: string[];
  /** Every key is stored under this prefix (`--etcd-prefix`) and returned without it. Default ''. */
  prefix?: string;
  tls?: { ca?: Uint8Array; cert?: Uint8Array; key?: Uint8Array };
  /**
   * Upper bound for one call, retries included, and for etcd to acknowledge a new watch.
   * Past it the call fails with `UnavailableError` instead of hanging. Default 10 s.
   */
  requestTimeoutMs?: number;
}

const compactedMessage = 'required revision has been compacted';
const futureMessage = 'required revision is a future revision';

const grpcOptions = {
  // Without keepalive pings a watch over a silently dead connection would wait forever.
  // etcd refuses pings more often than every 5 s (--grpc-keepalive-min-time).
  'grpc.keepalive_time_ms': 15_000,
  'grpc.keepalive_timeout_ms': 5_000,
  // An unpaginated list can exceed grpc's 4 MiB default; etcd bounds what it sends.
  'grpc.max_receive_message_length': -1,
};

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

function unavailable(err: unknown): UnavailableError {
  return new UnavailableError(`etcd: ${messageOf(err)}`, { cause: err });
}

function clientOptions(opts: EtcdStorageOptions): IOptions {
  const { tls } = opts;
  const toBuffer = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes) : undefined);
  return {
    hosts: opts.endpoints,
    grpcOptions,
    ...(tls && {
      credentials: {
        // grpc-js falls back to the system roots when no CA is given; etcd3's type is
        // stricter than the runtime it passes this to.
        rootCertificate: toBuffer(tls.ca) as Buffer,
        privateKey: toBuffer(tls.key),
        certChain: toBuffer(tls.cert),
      },
    }),
  };
}

/** The storage contract on a real etcd (v3 API), via the `etcd3` client. */
export class EtcdStorage implements Storage {
  private readonly client: Etcd3;
  private readonly kv: KVClient;
  private readonly keys: EtcdKeySpace;
  private readonly timeoutMs: number;
  private readonly watches = new Set<WatchStream>();

  constructor(opts: EtcdStorageOptions) {
    this.client = new Etcd3(clientOptions(opts));
    this.kv = this.client.kv;
    this.keys = new EtcdKeySpace(opts.prefix ?? '');
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
  }

  async get(key: string): Promise<KeyValue | null> {
    const res = await this.rpc((o) => this.kv.range({ key: this.keys.encode(key) }, o));
    const kv = res.kvs[0];
    return kv ? this.keys.toKeyValue(kv) : null;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const range = this.keys.rangeOf(prefix);
    const startKey = opts.startKey === undefined ? range.start : this.keys.encode(opts.startKey);
    const revision = opts.revision || undefined;
    const res = await this.rpc(
      (o) =>
        this.kv.range(
          {
            // A start key before the prefix must not widen the range beyond it.
            key: Buffer.compare(startKey, range.start) > 0 ? startKey : range.start,
            range_end: range.end,
            limit: opts.limit ?? 0,
            revision: revision ?? 0,
          },
          o,
        ),
      revision,
    );
    const items = res.kvs.map((kv) => this.keys.toKeyValue(kv));
    // etcd's count covers the whole requested range regardless of the limit.
    const remaining = Number(res.count) - items.length;
    return { items, revision: revision ?? Number(res.header.revision), more: remaining > 0, remaining };
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
    const res = await this.rpc((o) =>
      this.kv.txn(
        {
          compare: txnCompares(ops, this.keys),
          success: txnRequests(ops, this.keys),
          failure: currentValueReads(ops, this.keys),
        },
        o,
      ),
    );
    const revision = Number(res.header.revision);
    if (res.succeeded) return { revision, results: txnResults(ops, res.responses, revision, this.keys) };
    const failed = firstFailure(ops, res.responses, this.keys);
    if (!failed) throw new UnavailableError('etcd rejected a transaction whose conditions all hold');
    throw new TxnFailedError(failed.opIndex, failed.cause);
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch {
    const { start, end } = this.keys.rangeOf(prefix);
    const requested = afterRevision + 1;
    let open = true;
    const stop = (err?: Error) => {
      if (!open) return;
      open = false;
      stream.close();
      this.watches.delete(stream);
      if (err) handlers.onError(err);
    };
    const onResponse = (res: IWatchResponse) => {
      if (res.canceled) {
        const compactRevision = Number(res.compact_revision);
        return stop(
          compactRevision > 0
            ? new CompactedError(requested, compactRevision)
            : new UnavailableError(`etcd cancelled the watch: ${res.cancel_reason}`),
        );
      }
      if (res.events.length === 0 && !res.created) {
        handlers.onProgress?.(Number(res.header.revision));
        return;
      }
      for (const ev of res.events) {
        // A handler may close the watch halfway through a batch.
        if (!open) return;
        const event = this.toWatchEvent(ev);
        if (event instanceof Error) return stop(event);
        handlers.onEvent(event);
      }
    };
    const stream = new WatchStream(
      this.client.watchClient,
      { key: start, range_end: end, start_revision: requested, prev_kv: true },
      { onResponse, onFailure: (err) => stop(unavailable(err)) },
      this.timeoutMs,
    );
    this.watches.add(stream);
    return { close: () => stop(), requestProgress: () => stream.requestProgress() };
  }

  async currentRevision(): Promise<number> {
    const res = await this.rpc((o) => this.kv.range({ key: this.keys.rangeOf('').start, count_only: true }, o));
    return Number(res.header.revision);
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.kv.compact({ revision, physical: true }, this.deadline());
    } catch (err) {
      // History already forgotten up to here or beyond: nothing left to do.
      if (messageOf(err).includes(compactedMessage)) return;
      throw await this.storageError(err, revision);
    }
  }

  async close(): Promise<void> {
    for (const stream of this.watches) stream.close();
    this.watches.clear();
    this.client.close();
  }

  private async single(op: TxnOp): Promise<KeyValue> {
    try {
      const { results } = await this.txn([op]);
      return results[0]!;
    } catch (err) {
      throw err instanceof TxnFailedError ? err.cause : err;
    }
  }

  /** Bounds a call and the client's retries of it, so an unreachable etcd fails instead of hanging. */
  private deadline(): { deadline: number } {
    return { deadline: Date.now() + this.timeoutMs };
  }

  /**
   * Runs one etcd call under a deadline and turns its failures into storage errors.
   * `revision` is the revision the call reads at, if any.
   */
  private async rpc<T>(call: (options: { deadline: number }) => Promise<T>, revision?: number): Promise<T> {
    try {
      return await call(this.deadline());
    } catch (err) {
      throw await this.storageError(err, revision);
    }
  }

  /** etcd's complaints about `revision` become Compacted/FutureRevision errors; anything else means etcd is unusable. */
  private async storageError(err: unknown, revision: number | undefined): Promise<Error> {
    const message = messageOf(err);
    if (revision !== undefined && message.includes(compactedMessage)) {
      return new CompactedError(revision, await this.compactRevisionAbove(revision));
    }
    if (revision !== undefined && message.includes(futureMessage)) {
      return new FutureRevisionError(revision, await this.currentRevision());
    }
    return unavailable(err);
  }

  /**
   * etcd's range error does not say where compaction stands, but a watch from a compacted
   * revision is cancelled with exactly that number, so we ask with a throwaway watch.
   * `compacted` must be known to be compacted, or the probe only ends by timing out.
   */
  private compactRevisionAbove(compacted: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const probe = new WatchStream(
        this.client.watchClient,
        { key: this.keys.rangeOf('').start, start_revision: compacted },
        {
          onResponse: (res) => {
            if (!res.canceled) return;
            probe.close();
            const compactRevision = Number(res.compact_revision);
            if (compactRevision > 0) resolve(compactRevision);
            else reject(new UnavailableError(`etcd cancelled the compaction probe: ${res.cancel_reason}`));
          },
          onFailure: (err) => reject(unavailable(err)),
        },
        this.timeoutMs,
      );
    });
  }

  /** A put or delete as a storage event; an error when etcd could not supply a delete's last value. */
  private toWatchEvent(ev: IEvent): WatchEvent | CompactedError {
    const revision = Number(ev.kv.mod_revision);
    const prevKv = ev.prev_kv ? this.keys.toKeyValue(ev.prev_kv) : undefined;
    if (ev.type === 'Put') {
      return { type: 'put', kv: this.keys.toKeyValue(ev.kv), revision, ...(prevKv && { prevKv }) };
    }
    // etcd omits prev_kv when the revision before the delete was compacted away; without
    // it the event cannot be told, so the watcher has to relist, as after any compaction.
    if (!prevKv) return new CompactedError(revision - 1, revision);
    return { type: 'delete', kv: { ...prevKv, modRevision: revision }, revision };
  }
}
