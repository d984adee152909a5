// Status of the objects that are configuration on each router they apply to, with no
// session of their own: BGPPolicy (Accepted, PolicyApplied, Ready: applied on at least
// one router) and BGPVRFInstance (Accepted, Ready, and the resolved router settings the
// CRD's status.routers[] carries). One status.routers[] entry per router, as for peers.
import type { DesiredRouter } from '../desired-state.js';
import type { Subject } from '../desired/build.js';
import { acceptedCondition } from './accepted.js';
import { condition, datedConditions, type Condition, type ConditionState } from './conditions.js';
import type { NodeView } from './node-view.js';
import type { OwnedStatus, RouterEntry } from './patch.js';
import { combineEntries, summaryCondition, type EntryWithConditions } from './router-entries.js';

interface AppliedKind {
  /** The per-router condition that says the object is in effect there. */
  appliedType: string;
  /** Extra fields of a router entry. */
  entryFields?(router: DesiredRouter): Omit<RouterEntry, 'routerName'>;
  /** The summary's Ready, when it is not the applied condition itself. */
  readyWhenAnyApplied?: boolean;
}

export const POLICY: AppliedKind = { appliedType: 'PolicyApplied', readyWhenAnyApplied: true };

export const VRF_INSTANCE: AppliedKind = {
  appliedType: 'Ready',
  entryFields: (router) => ({
    resolvedConfig: { asNumber: router.localASN, routerID: router.routerID, addressFamilies: router.addressFamilies },
  }),
};

export function appliedObjectStatus(kind: AppliedKind, subject: Subject, view: NodeView): OwnedStatus {
  const object = subject.object;
  const generation = object.metadata.generation;
  const status = object.status as { conditions?: Condition[]; routers?: EntryWithConditions[] } | undefined;
  const problems = view.problemsOf(subject.ref);

  const mine = subject.routers.map((routerName): EntryWithConditions => {
    const router = view.router(subject.ref.namespace, routerName)!;
    const failure = view.configFailure(router);
    const accepted = acceptedCondition(problems, failure);
    const applied: ConditionState =
      accepted.status === 'True'
        ? condition(kind.appliedType, true, 'Applied', `in effect on router ${routerName}`)
        : { ...accepted, type: kind.appliedType };
    const previous = status?.routers?.find((e) => e.routerName === routerName);
    return {
      routerName,
      ...kind.entryFields?.(router),
      conditions: datedConditions([accepted, applied], previous?.conditions, generation, view.now),
    };
  });
  const { all, remove } = combineEntries(subject, view, mine);
  if (!mine.length && !problems.length) return { fields: {}, conditions: [], routers: { entries: [], remove } };

  let summary: ConditionState[];
  if (!all.length) {
    const unbound = acceptedCondition(problems, undefined);
    summary = [unbound, { ...unbound, type: kind.appliedType }];
  } else summary = [summaryCondition('Accepted', all), summaryCondition(kind.appliedType, all)];
  if (kind.readyWhenAnyApplied) {
    const inEffect = all.filter((e) => e.conditions.every((c) => c.status === 'True')).map((e) => e.routerName);
    summary.push(
      inEffect.length
        ? condition('Ready', true, 'Applied', `in effect on ${inEffect.length}/${all.length} routers: ${inEffect.join(', ')}`)
        : { ...summary[1]!, type: 'Ready' },
    );
  }
  return {
    fields: { observedGeneration: generation ?? null },
    conditions: datedConditions(summary, status?.conditions, generation, view.now),
    routers: { entries: mine, remove },
  };
}
