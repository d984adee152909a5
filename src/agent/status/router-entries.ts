// Objects that several routers apply (a peer or policy chosen by routerSelector, a VRF)
// carry one status.routers[] entry per router, each written by the agent of that
// router's node, and a summary over all entries, which every such agent computes alike.
import type { Subject } from '../desired/build.js';
import { condition, type Condition, type ConditionState } from './conditions.js';
import type { NodeView } from './node-view.js';
import type { RouterEntry } from './patch.js';

export interface EntryWithConditions extends RouterEntry {
  conditions: Condition[];
}

/**
 * All entries the summary covers (this node's fresh ones, other nodes' as the object has
 * them) and the entries to remove: those of routers that are gone, and of this node's
 * routers the object no longer applies to. Other nodes clean up their own.
 */
export function combineEntries<E extends RouterEntry>(subject: Subject, view: NodeView, mine: E[]): { all: E[]; remove: string[] } {
  const namespace = subject.ref.namespace;
  const current = ((subject.object.status as { routers?: E[] } | undefined)?.routers ?? []).filter((e) => typeof e?.routerName === 'string');
  const mineNames = new Set(mine.map((e) => e.routerName));
  const others = current.filter(
    (e) => !mineNames.has(e.routerName) && !view.router(namespace, e.routerName) && view.routerExists(namespace, e.routerName),
  );
  const remove = current.filter((e) => !mineNames.has(e.routerName) && !others.includes(e)).map((e) => e.routerName);
  const all = [...mine, ...others].sort((a, b) => (a.routerName < b.routerName ? -1 : a.routerName > b.routerName ? 1 : 0));
  return { all, remove };
}

/**
 * One condition over the same-typed condition of every entry: true when all entries' are,
 * otherwise carrying the first failing entry's reason. A single entry is passed through.
 */
export function summaryCondition(type: string, entries: readonly EntryWithConditions[]): ConditionState {
  const states = entries.map((e) => ({ router: e.routerName, c: e.conditions.find((c) => c.type === type) }));
  if (states.length === 1 && states[0]!.c) {
    const { status, reason, message } = states[0]!.c;
    return { type, status, reason, message };
  }
  const failing = states.filter((s) => s.c?.status !== 'True');
  const first = failing[0];
  if (!states.length) return condition(type, false, 'NoRouters', 'no router applies this object');
  if (!first) return condition(type, true, states[0]!.c!.reason, `on all ${states.length} routers`);
  return {
    type,
    status: first.c?.status ?? 'Unknown',
    reason: first.c?.reason ?? 'Unknown',
    message: `${failing.length}/${states.length} routers not ${type}; ${first.router}: ${first.c?.message ?? 'no report'}`,
  };
}
