// The generic write strategy every kind shares, after kube-apiserver's strategy objects:
// which fields the server owns, how status is split from the rest, and when generation
// moves. Nothing here depends on a kind's name; only on its definition's data.
import { randomUUID } from 'node:crypto';
import type { KindDefinition } from '../api/kinds.js';
import { deepCopy, jsonEqual, type KubeObject } from '../api/object.js';

const nowRfc3339 = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export { nowRfc3339 };

/** The fields of the object that are neither metadata nor status: what generation tracks. */
function desiredState(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

export function prepareForCreate(kind: KindDefinition, obj: KubeObject): void {
  const meta = obj.metadata;
  meta.uid = randomUUID();
  meta.creationTimestamp = nowRfc3339();
  meta.generation = 1;
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  // With a status subresource, status is written only through it.
  if (kind.hasStatus) delete obj.status;
}

/**
 * Carries server-owned metadata over from the stored object and splits status: a write
 * to the main resource keeps the stored status, a write to /status keeps everything else.
 */
export function prepareForUpdate(kind: KindDefinition, obj: KubeObject, old: KubeObject, subresource: string): KubeObject {
  if (subresource === 'status') {
    const next = deepCopy(old);
    next.metadata.resourceVersion = obj.metadata.resourceVersion;
    if (obj.status === undefined) delete next.status;
    else next.status = obj.status;
    if (obj.metadata.managedFields) next.metadata.managedFields = obj.metadata.managedFields;
    return next;
  }
  const meta = obj.metadata;
  const oldMeta = old.metadata;
  meta.uid = oldMeta.uid;
  meta.creationTimestamp = oldMeta.creationTimestamp;
  meta.generation = oldMeta.generation;
  meta.name = oldMeta.name;
  meta.namespace = oldMeta.namespace;
  if (oldMeta.deletionTimestamp) {
    meta.deletionTimestamp = oldMeta.deletionTimestamp;
    meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
  } else {
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
  }
  delete meta.generateName;
  if (oldMeta.generateName) meta.generateName = oldMeta.generateName;
  if (kind.hasStatus) {
    if (old.status === undefined) delete obj.status;
    else obj.status = old.status;
  }
  if (!jsonEqual(desiredState(obj), desiredState(old))) meta.generation = (oldMeta.generation ?? 0) + 1;
  return obj;
}

/**
 * True when the write would change nothing a client can observe (it is then skipped).
 * managedFields count: a write that only changes who owns what is a change (the field
 * manager leaves them, times included, as they were when a write changes nothing).
 */
export function unchanged(next: KubeObject, old: KubeObject): boolean {
  const strip = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return jsonEqual(strip(next), strip(old));
}
