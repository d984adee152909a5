import type { ICompare, IRequestOp, IResponseOp } from 'etcd3';
import type { EtcdKeySpace } from './etcd-keys.js';
import {
  ConflictError,
  KeyExistsError,
  NotFoundError,
  type KeyValue,
  type TxnOp,
} from './interface.js';

type OpOf<T extends TxnOp['type']> = Extract<TxnOp, { type: T }>;

/** How one kind of storage op becomes part of an etcd transaction, and how its outcome reads back. */
interface OpTranslation<O extends TxnOp> {
  /** Conditions etcd checks before committing; all must hold. */
  compares(op: O, keys: EtcdKeySpace): ICompare[];
  request(op: O, keys: EtcdKeySpace): IRequestOp;
  /** The key's value after the committed transaction. */
  result(op: O, response: IResponseOp, revision: number, keys: EtcdKeySpace): KeyValue;
  /** Why the op's conditions fail against the key's current value, or null if they hold. */
  failure(op: O, current: KeyValue | null): KeyExistsError | NotFoundError | ConflictError | null;
}

const exists = (key: Buffer): ICompare => ({ key, target: 'Version', result: 'Greater', version: 0 });
const absent = (key: Buffer): ICompare => ({ key, target: 'Version', result: 'Equal', version: 0 });
const modifiedAt = (key: Buffer, revision: number): ICompare => ({
  key,
  target: 'Mod',
  result: 'Equal',
  mod_revision: revision,
});

function preconditionFailure(
  key: string,
  current: KeyValue | null,
  expectedModRevision: number | undefined,
): NotFoundError | ConflictError | null {
  if (!current) return new NotFoundError(key);
  if (expectedModRevision !== undefined && current.modRevision !== expectedModRevision) {
    return new ConflictError(key, expectedModRevision, current.modRevision);
  }
  return null;
}

const translations: { [T in TxnOp['type']]: OpTranslation<OpOf<T>> } = {
  create: {
    compares: (op, keys) => [absent(keys.encode(op.key))],
    request: (op, keys) => ({ request_put: { key: keys.encode(op.key), value: Buffer.from(op.value) } }),
    result: (op, _response, revision) => ({ key: op.key, value: op.value, createRevision: revision, modRevision: revision }),
    failure: (op, current) => (current ? new KeyExistsError(op.key) : null),
  },
  update: {
    compares: (op, keys) => [exists(keys.encode(op.key)), modifiedAt(keys.encode(op.key), op.expectedModRevision)],
    // prev_kv gives us the create revision to report without a second read.
    request: (op, keys) => ({
      request_put: { key: keys.encode(op.key), value: Buffer.from(op.value), prev_kv: true },
    }),
    result: (op, response, revision) => ({
      key: op.key,
      value: op.value,
      createRevision: Number(response.response_put.prev_kv.create_revision),
      modRevision: revision,
    }),
    failure: (op, current) => preconditionFailure(op.key, current, op.expectedModRevision),
  },
  delete: {
    compares: (op, keys) => {
      const key = keys.encode(op.key);
      return op.expectedModRevision === undefined ? [exists(key)] : [exists(key), modifiedAt(key, op.expectedModRevision)];
    },
    request: (op, keys) => ({ request_delete_range: { key: keys.encode(op.key), prev_kv: true } }),
    result: (_op, response, _revision, keys) => keys.toKeyValue(response.response_delete_range.prev_kvs[0]!),
    failure: (op, current) => preconditionFailure(op.key, current, op.expectedModRevision),
  },
};

// Indexing the table by a union-typed op loses the pairing between op and translation;
// this restores it in one place.
function translationOf<O extends TxnOp>(op: O): OpTranslation<O> {
  return translations[op.type] as unknown as OpTranslation<O>;
}

export function txnCompares(ops: TxnOp[], keys: EtcdKeySpace): ICompare[] {
  return ops.flatMap((op) => translationOf(op).compares(op, keys));
}

export function txnRequests(ops: TxnOp[], keys: EtcdKeySpace): IRequestOp[] {
  return ops.map((op) => translationOf(op).request(op, keys));
}

export function txnResults(ops: TxnOp[], responses: IResponseOp[], revision: number, keys: EtcdKeySpace): KeyValue[] {
  return ops.map((op, i) => translationOf(op).result(op, responses[i]!, revision, keys));
}

/** Reads, in the same transaction as the failed compares, each op's key as it stands. */
export function currentValueReads(ops: TxnOp[], keys: EtcdKeySpace): IRequestOp[] {
  return ops.map((op) => ({ request_range: { key: keys.encode(op.key) } }));
}

/** The first op whose conditions fail against the values read by `currentValueReads`. */
export function firstFailure(
  ops: TxnOp[],
  reads: IResponseOp[],
  keys: EtcdKeySpace,
): { opIndex: number; cause: KeyExistsError | NotFoundError | ConflictError } | null {
  for (const [opIndex, op] of ops.entries()) {
    const kv = reads[opIndex]!.response_range.kvs[0];
    const cause = translationOf(op).failure(op, kv ? keys.toKeyValue(kv) : null);
    if (cause) return { opIndex, cause };
  }
  return null;
}
