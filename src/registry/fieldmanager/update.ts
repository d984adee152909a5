// managedFields bookkeeping for every write that is not an apply (create, update, every
// patch type, and their /status forms): the manager takes every field the write added or
// changed, in its Update entry for this apiVersion and subresource; other managers lose
// those fields and everyone loses what the write removed. An entry's time moves only when
// its manager changed something, so a write that changes nothing changes no entry.
import type { KubeObject } from '../../api/object.js';
import { isJsonObject } from '../../patch/json.js';
import { compare } from './compare.js';
import { FieldSet } from './field-set.js';
import { decodeManagedFields, decodeOrForget, managerKey, type ManagerEntry, type Managers } from './managers.js';
import { ownableBy } from './ownable.js';
import { objectSchema } from './structure.js';
import { apiVersionOf, withManagers, withoutManagedFields, type WriteOptions } from './write.js';

/**
 * `next` with its managedFields brought up to date, as a new object. Call it with the
 * object about to be stored (after patching, defaulting and the strategy) and the stored
 * one (`old` undefined on create).
 */
export function updateManagedFields(old: KubeObject | undefined, next: KubeObject, options: WriteOptions): KubeObject {
  const subresource = options.subresource ?? '';
  const ownable = ownableBy(options.kind, subresource);
  const managers = managersBefore(old, next, subresource);
  const raw = compare(withoutManagedFields(old), withoutManagedFields(next), objectSchema(options.kind));
  const taken = ownable(raw.added.union(raw.modified));
  const removed = ownable(raw.removed);

  for (const [key, entry] of managers) managers.set(key, { ...entry, fields: entry.fields.difference(taken).difference(removed) });
  if (!taken.empty) {
    const writer: ManagerEntry = { manager: options.manager, operation: 'Update', apiVersion: apiVersionOf(options.kind), subresource, time: options.time, fields: FieldSet.of() };
    const key = managerKey(writer);
    managers.set(key, { ...writer, fields: (managers.get(key)?.fields ?? FieldSet.of()).union(taken) });
  }
  return withManagers(withoutManagedFields(next), managers);
}

/**
 * A write to the main resource may set managedFields itself (kubectl's upgrade from
 * client-side apply does, with a JSON patch); `[]` or `[{}]` clears them. Anything else
 * (absent, undecodable, or a subresource write) leaves the stored ones in force, so
 * clients that do not know about managedFields cannot lose them.
 */
function managersBefore(old: KubeObject | undefined, next: KubeObject, subresource: string): Managers {
  const stored = () => decodeOrForget(old?.metadata?.managedFields);
  const requested = next.metadata?.managedFields;
  if (subresource || !Array.isArray(requested)) return stored();
  if (requested.length === 0 || (requested.length === 1 && isJsonObject(requested[0]) && Object.keys(requested[0]).length === 0)) return new Map();
  try {
    const decoded = decodeManagedFields(requested);
    return decoded.size > 0 ? decoded : stored();
  } catch {
    return stored();
  }
}
