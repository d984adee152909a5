// metadata.managedFields in memory: one entry per manager identity, as kube-apiserver
// keys them. An Apply entry is identified by manager and subresource (so each apply
// replaces the manager's previous one whatever apiVersion it used); an Update entry also
// by apiVersion.
import type { ManagedFieldsEntry } from '../../api/object-meta.js';
import { isJsonObject } from '../../patch/json.js';
import { FieldSet } from './field-set.js';

export type Operation = 'Apply' | 'Update';

export interface ManagerEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource: string;
  time?: string;
  fields: FieldSet;
}

export type Managers = Map<string, ManagerEntry>;

/**
 * The identity kube-apiserver gives an entry: the JSON of its manager, operation,
 * apiVersion (Update only) and subresource, in ManagedFieldsEntry field order. Conflict
 * messages are ordered by it.
 */
export function managerKey(entry: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify({
    ...(entry.manager && { manager: entry.manager }),
    operation: entry.operation,
    ...(entry.operation === 'Update' && entry.apiVersion && { apiVersion: entry.apiVersion }),
    ...(entry.subresource && { subresource: entry.subresource }),
  });
}

/** Throws when an entry is malformed, with kube's reasons. A later duplicate wins, as in kube. */
export function decodeManagedFields(entries: readonly unknown[] | undefined): Managers {
  const managers: Managers = new Map();
  (entries ?? []).forEach((raw, i) => {
    if (!isJsonObject(raw)) throw new Error(`managed fields entry ${i} is not an object`);
    if (raw.operation !== 'Apply' && raw.operation !== 'Update') throw new Error('operation must be `Apply` or `Update`');
    if (typeof raw.apiVersion !== 'string' || !raw.apiVersion) throw new Error('apiVersion must not be empty');
    if (!raw.fieldsType) throw new Error(`missing fieldsType in managed fields entry ${i}`);
    if (raw.fieldsType !== 'FieldsV1') throw new Error(`invalid fieldsType ${JSON.stringify(raw.fieldsType)} in managed fields entry ${i}`);
    const entry: ManagerEntry = {
      manager: typeof raw.manager === 'string' ? raw.manager : '',
      operation: raw.operation,
      apiVersion: raw.apiVersion,
      subresource: typeof raw.subresource === 'string' ? raw.subresource : '',
      ...(typeof raw.time === 'string' && { time: raw.time }),
      fields: raw.fieldsV1 === undefined ? FieldSet.of() : FieldSet.fromFieldsV1(raw.fieldsV1),
    };
    managers.set(managerKey(entry), entry);
  });
  return managers;
}

/** Managed fields that cannot be decoded are treated as none, as kube-apiserver does. */
export function decodeOrForget(entries: readonly unknown[] | undefined): Managers {
  try {
    return decodeManagedFields(entries);
  } catch {
    return new Map();
  }
}

/**
 * The wire form, in kube-apiserver's order: Apply entries first, then by time (to the
 * second), manager, apiVersion and subresource. Entries owning nothing are dropped.
 */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const entries = [...managers.values()].filter((m) => !m.fields.empty).sort(compareEntries);
  return entries.map((m) => ({
    ...(m.manager && { manager: m.manager }),
    operation: m.operation,
    apiVersion: m.apiVersion,
    ...(m.time && { time: m.time }),
    fieldsType: 'FieldsV1',
    fieldsV1: m.fields.toFieldsV1(),
    ...(m.subresource && { subresource: m.subresource }),
  }));
}

function compareEntries(a: ManagerEntry, b: ManagerEntry): number {
  if (a.operation !== b.operation) return a.operation === 'Apply' ? -1 : 1;
  return seconds(a.time) - seconds(b.time) || compareText(a.manager, b.manager) || compareText(a.apiVersion, b.apiVersion) || compareText(a.subresource, b.subresource);
}

function seconds(time: string | undefined): number {
  const ms = time ? Date.parse(time) : NaN;
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const MAX_UPDATE_MANAGERS = 10;
const OLD_UPDATES_MANAGER = 'ancient-changes';

/**
 * kube-apiserver keeps at most ten Update entries: beyond that, the oldest are folded into
 * one `ancient-changes` entry per apiVersion, so objects written by many clients do not
 * grow without bound.
 */
export function capUpdateManagers(managers: Managers): void {
  const updaters = [...managers.entries()]
    .filter(([, m]) => m.operation === 'Update')
    .sort(([ka, a], [kb, b]) => seconds(a.time) - seconds(b.time) || compareText(ka, kb));
  let count = updaters.length;
  const firstOfVersion = new Map<string, string>();
  for (const [key, entry] of updaters) {
    if (count <= MAX_UPDATE_MANAGERS) break;
    const first = firstOfVersion.get(entry.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(entry.apiVersion, key);
      continue;
    }
    const bucket: ManagerEntry = { manager: OLD_UPDATES_MANAGER, operation: 'Update', apiVersion: entry.apiVersion, subresource: '', fields: FieldSet.of() };
    const bucketKey = managerKey(bucket);
    if (!managers.has(bucketKey)) {
      managers.set(bucketKey, { ...bucket, fields: managers.get(first)!.fields });
      managers.delete(first);
    }
    const held = managers.get(bucketKey)!;
    managers.set(bucketKey, { ...held, fields: held.fields.union(entry.fields), ...(entry.time && { time: entry.time }) });
    managers.delete(key);
    count--;
  }
}
