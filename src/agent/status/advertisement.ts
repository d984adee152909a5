// BGPAdvertisement status: advertisedPrefixes (prefixes this advertisement has in the
// router's BGP table), Accepted, Advertised (sent to at least one Established peer) and
// Ready (accepted and originating). An advertisement names exactly one router.
import type { BGPAdvertisement } from '../../api/types.generated.js';
import { refKey, type DesiredAdvertisement, type DesiredRouter } from '../desired-state.js';
import type { Subject } from '../desired/build.js';
import { normalizePrefix } from '../frr/bgp-values.js';
import type { RouterObservation } from '../runtime.js';
import { acceptedCondition } from './accepted.js';
import { condition, datedConditions, type ConditionState } from './conditions.js';
import type { NodeView } from './node-view.js';
import type { OwnedStatus } from './patch.js';

export function advertisementStatus(subject: Subject, view: NodeView): OwnedStatus {
  const advertisement = subject.object as BGPAdvertisement;
  const generation = advertisement.metadata.generation;
  const problems = view.problemsOf(subject.ref);
  const routerName = subject.routers[0];
  const router = routerName === undefined ? undefined : view.router(subject.ref.namespace, routerName);
  const desired = router?.advertisements.find((a) => refKey(a.ref) === refKey(subject.ref));
  const failure = router && view.configFailure(router);
  const observed = router && !failure ? view.observedRouter(router.ref.namespace, router.ref.name) : undefined;

  const accepted = acceptedCondition(problems, failure);
  const count = desired && observed ? originatedBy(desired, observed) : 0;
  let advertised: ConditionState;
  let ready: ConditionState;
  if (!router || !desired || failure) {
    advertised = { ...accepted, type: 'Advertised', status: accepted.status === 'Unknown' ? 'Unknown' : 'False' };
    ready = { ...advertised, type: 'Ready' };
  } else {
    advertised = advertisedCondition(desired, router, view, count);
    ready = count
      ? condition('Ready', accepted.status === 'True', accepted.status === 'True' ? 'Originating' : accepted.reason, `${count} prefixes originated`)
      : condition('Ready', false, 'NoPrefixesOriginated', 'no prefix of this advertisement is in the BGP table');
  }
  return {
    fields: { advertisedPrefixes: count, observedGeneration: generation ?? null },
    conditions: datedConditions([ready, accepted, advertised], advertisement.status?.conditions, generation, view.now),
  };
}

/** Listed prefixes found in the table, plus, for redistribute/originateFrom, the redistributed routes of the family. */
function originatedBy(desired: DesiredAdvertisement, observed: RouterObservation): number {
  const { afi, safi } = desired.addressFamily;
  const inFamily = observed.originated.filter((o) => o.afi === afi && o.safi === safi);
  const listed = new Set(desired.prefixes.map((p) => normalizePrefix(p)?.cidr ?? p));
  const fromNetworks = inFamily.filter((o) => o.source === 'network' && listed.has(o.prefix)).length;
  const redistributes = desired.redistribute.length > 0 || desired.originateFrom !== undefined;
  return fromNetworks + (redistributes ? inFamily.filter((o) => o.source === 'redistribute').length : 0);
}

function advertisedCondition(desired: DesiredAdvertisement, router: DesiredRouter, view: NodeView, count: number): ConditionState {
  if (!count) return condition('Advertised', false, 'NoPrefixesOriginated', 'no prefix of this advertisement is in the BGP table');
  const { afi, safi } = desired.addressFamily;
  const receiving = router.peers.filter((peer) => {
    const session = view.session(router, peer.address);
    return session?.state === 'Established' && session.prefixesSent.some((f) => f.afi === afi && f.safi === safi && f.count > 0);
  });
  return receiving.length
    ? condition('Advertised', true, 'Advertised', `sent to ${receiving.length} Established peers`)
    : condition('Advertised', false, 'NoEstablishedPeers', `no Established peer receives ${afi}/${safi} routes`);
}
