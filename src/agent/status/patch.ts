// The part of an object's status this agent owns, and what to send to bring the object's
// status to it, if anything. Owned means: whole top-level fields, conditions by type, and,
// for objects several nodes report on, the per-router entries of this node's routers.
//
// What to send is worked out as one strategic merge patch of status (what the agent owns,
// plus a `$patch: delete` entry for each router entry to remove) and sent in two parts:
// * the owned status, as a server-side apply of the status subresource under the agent's
//   own field manager (one per node). It holds everything the agent owns, every time, so
//   the server merges conditions and routers[] by key, keeps what other agents own, and
//   removes what this agent owned and no longer sends (a field it now reports as null, an
//   entry of a router that moved away);
// * entries of routers that are gone, whose agents may be gone too: not this agent's to
//   drop by apply, so they are deleted by a strategic merge patch, if still there.
import { jsonEqual } from '../../api/object.js';
import type { Condition } from './conditions.js';

/** One router's view of an object that several routers apply (status.routers[]). */
export interface RouterEntry {
  routerName: string;
  [field: string]: unknown;
}

export interface OwnedStatus {
  /** Top-level fields, each owned whole; null: the agent has nothing to say (it owns none). */
  fields: Record<string, unknown>;
  conditions: Condition[];
  routers?: {
    entries: RouterEntry[];
    /** Entries to remove: routers the object no longer applies to. */
    remove: string[];
  };
}

export type StatusBody = Record<string, unknown>;

/**
 * The status patch to send, or undefined when the object already says all of it. Fields
 * the agent reports as null are left out: by apply, that is how an owner lets go.
 */
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

  const body: StatusBody = Object.fromEntries(Object.entries(owned.fields).filter(([, value]) => value !== null && value !== undefined));
  if (owned.conditions.length) body.conditions = owned.conditions;
  if (owned.routers) {
    const removals = owned.routers.remove.filter((name) => entryNamed(name)).map((routerName) => ({ routerName, [DELETE]: 'delete' }));
    const entries = [...owned.routers.entries, ...removals];
    if (entries.length) body.routers = entries;
  }
  return { status: body };
}

const DELETE = '$patch';

/**
 * A status patch in its two parts: the apply configuration's status (without deletions),
 * and the router entries to delete.
 */
export function splitStatusPatch(patch: { status: StatusBody }): { applied: StatusBody; removed: string[] } {
  const entries = (patch.status.routers ?? []) as RouterEntry[];
  const kept = entries.filter((e) => e[DELETE] !== 'delete');
  const { routers: _, ...rest } = patch.status;
  return { applied: kept.length ? { ...rest, routers: kept } : rest, removed: entries.filter((e) => e[DELETE] === 'delete').map((e) => e.routerName) };
}

/** A strategic merge patch of status deleting those of the named entries `current` still has. */
export function removalPatch(current: StatusBody | undefined, routerNames: readonly string[]): { status: StatusBody } | undefined {
  const present = new Set(((current?.routers ?? []) as RouterEntry[]).map((e) => e.routerName));
  const gone = routerNames.filter((name) => present.has(name));
  return gone.length ? { status: { routers: gone.map((routerName) => ({ routerName, [DELETE]: 'delete' })) } } : undefined;
}
