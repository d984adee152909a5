// What every write through the field manager shares: who writes, where, when, and how
// the object's managedFields are taken off and put back.
import type { KindDefinition } from '../../api/kinds.js';
import { deepCopy, type KubeObject } from '../../api/object.js';
import { capUpdateManagers, encodeManagedFields, type Managers } from './managers.js';

export interface WriteOptions {
  kind: KindDefinition;
  /** The `fieldManager` parameter; without one, managerFromUserAgent(User-Agent). */
  manager: string;
  /** '' or absent for the main resource, 'status' for /status. */
  subresource?: string;
  /** When the write happens: RFC 3339 to the second, as metav1.Time is written. */
  time: string;
}

export function apiVersionOf(kind: KindDefinition): string {
  return `${kind.group}/${kind.version}`;
}

/** The object as the field manager compares it: without managedFields (and never undefined). */
export function withoutManagedFields(object: KubeObject | undefined): Record<string, unknown> {
  if (!object) return {};
  const { managedFields: _, ...metadata } = object.metadata ?? {};
  return { ...object, metadata };
}

/** A copy of `object` carrying `managers` (none: no managedFields at all, as kube omits them). */
export function withManagers(object: Record<string, unknown>, managers: Managers): KubeObject {
  for (const [key, entry] of managers) if (entry.fields.empty) managers.delete(key);
  capUpdateManagers(managers);
  const result = deepCopy(object) as KubeObject;
  result.metadata = { ...result.metadata };
  const entries = encodeManagedFields(managers);
  if (entries.length > 0) result.metadata.managedFields = entries;
  else delete result.metadata.managedFields;
  return result;
}
