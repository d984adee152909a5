// Storage latency for /metrics: wraps any backend and reports each call's duration with
// the resource it touched (read from the key layout).
import type { Storage } from '../../storage/interface.js';

export type StorageObserver = (operation: string, resource: string, seconds: number) => void;

function resourceOf(key: string): string {
  const parts = key.split('/');
  return parts.length > 3 ? `${parts[3]}.${parts[2]}` : key;
}

export function instrumentStorage(storage: Storage, observe: StorageObserver): Storage {
  const timed = async <T>(operation: string, resource: string, call: () => Promise<T>): Promise<T> => {
    const started = process.hrtime.bigint();
    try {
      return await call();
    } finally {
      observe(operation, resource, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
  return {
    get: (key) => timed('get', resourceOf(key), () => storage.get(key)),
    list: (prefix, opts) => timed('list', resourceOf(prefix), () => storage.list(prefix, opts)),
    create: (key, value) => timed('create', resourceOf(key), () => storage.create(key, value)),
    update: (key, value, rev) => timed('update', resourceOf(key), () => storage.update(key, value, rev)),
    delete: (key, opts) => timed('delete', resourceOf(key), () => storage.delete(key, opts)),
    txn: (ops) => timed('txn', ops.length ? resourceOf(ops[0]!.key) : '', () => storage.txn(ops)),
    watch: (prefix, after, handlers) => storage.watch(prefix, after, handlers),
    currentRevision: () => storage.currentRevision(),
    compact: (revision) => storage.compact(revision),
    close: () => storage.close(),
  };
}
