import {
  ConflictError,
  KeyExistsError,
  NotFoundError,
  StorageError,
  TxnFailedError,
  type KeyValue,
  type TxnOp,
} from '../interface.js';
import type { KeyWrite } from './mvcc.js';

/**
 * Checks every op of a transaction against the keys' current values and turns them into
 * writes, or throws `TxnFailedError` for the first op whose condition fails. As in etcd,
 * conditions are judged against the state before the transaction, so a key may appear once.
 */
export function planTxn(ops: TxnOp[], current: (key: string) => KeyValue | null): KeyWrite[] {
  const seen = new Set<string>();
  return ops.map((op, opIndex) => {
    if (seen.has(op.key)) throw new StorageError(`transaction names key ${op.key} more than once`);
    seen.add(op.key);
    const cause = conditionFailure(op, current(op.key));
    if (cause) throw new TxnFailedError(opIndex, cause);
    // A copy: the caller may reuse its array, and the store keeps this one.
    return { key: op.key, value: op.type === 'delete' ? null : new Uint8Array(op.value) };
  });
}

function conditionFailure(op: TxnOp, current: KeyValue | null): KeyExistsError | NotFoundError | ConflictError | null {
  if (op.type === 'create') return current ? new KeyExistsError(op.key) : null;
  if (!current) return new NotFoundError(op.key);
  const expected = op.expectedModRevision;
  if (expected !== undefined && expected !== current.modRevision) {
    return new ConflictError(op.key, expected, current.modRevision);
  }
  return null;
}
