// The part of an object's status this agent owns, and the patch that brings the object's
// status to it, if any. Owned means: whole top-level fields, conditions by type, and, for
// objects several nodes report on, the per-router entries of this node's routers; other
// agents' entries are never touched. The patch is a strategic merge patch of the status
// subresource (conditions and routers merge by key). Server-side apply with a per-node
// field manager would send the same owned fields; only `statusPatch` would change.
import { jsonEqual } from '../../api/object.js';
import type { Condition } from './conditions.js';

/** One router's view of an object that several routers apply (status.routers[]). */
export interface RouterEntry {
  routerName: string;
  [field: string]: unknown;
}

export interface OwnedStatus {
  /** Top-level fields, each owned whole; null removes the field. */
  fields: Record<string, unknown>;
  conditions: Condition[];
  routers?: {
    entries: RouterEntry[];
    /** Entries to remove: routers the object no longer applies to. */
    remove: string[];
  };
}

export type StatusBody = Record<string, unknown>;

/** The status patch to send, or undefined when the object already says all of it. */
export function statusPatch(current: StatusBody | undefined, owned: OwnedStatus): { status: StatusBody } | undefined {
  const status = current ?? {};
  const currentConditions = (status.conditions ?? []) as Condition[];
  const currentEntries = (status.routers ?? []) as RouterEntry[];
  const entryNamed = (name: string): RouterEntry | undefined => currentEntries.find((e) => e.routerName === name);

  const fieldsDiffer = Object.entries(owned.fields).some(([field, value]) => !jsonEqual(status[field] ?? null, value ?? null));
  const conditionsDiffer = owned.conditions.some((c) => !jsonEqual(currentConditions.find((cc) => cc.type === c.type), c));
  const routersDiffer =
    owned.routers !== undefined &&
    (owned.routers.entries.some((e) => !jsonEqual(entryNamed(e.routerName), e)) || owned.routers.remove.some((name) => entryNamed(name)));
  if (!fieldsDiffer && !conditionsDiffer && !routersDiffer) return undefined;

  const body: StatusBody = { ...owned.fields };
  if (owned.conditions.length) body.conditions = owned.conditions;
  if (owned.routers) {
    const removals = owned.routers.remove.filter((name) => entryNamed(name)).map((routerName) => ({ routerName, $patch: 'delete' }));
    body.routers = [...owned.routers.entries, ...removals];
  }
  return { status: body };
}
