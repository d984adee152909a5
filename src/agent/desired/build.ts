// API objects → the whole desired routing state of one node, the problems found on the
// way, and the objects this node reports status on. Pure: the same snapshot always gives
// the same result, so the agent can recompute it on any change (level-triggered).
import type { BGPAdvertisement, BGPPeer, BGPPolicy, BGPRouter, BGPVRFInstance } from '../../api/types.generated.js';
import type { ObjectMeta } from '../../api/object-meta.js';
import {
  refKey,
  type DesiredNodeState,
  type DesiredPolicy,
  type DesiredRouter,
  type ObjectKind,
  type ObjectRef,
  type Problem,
} from '../desired-state.js';
import type { ApiSnapshot } from '../watch/caches.js';
import { desiredAdvertisement, desiredPolicy, desiredVrf } from './dependents.js';
import { boundRouters, isOwnedRouter, type RouterBinding } from './ownership.js';
import { desiredPeer } from './peer.js';

export type BgpObject = BGPRouter | BGPPeer | BGPAdvertisement | BGPPolicy | BGPVRFInstance;

/** An object this node reports status on. */
export interface Subject {
  ref: ObjectRef;
  object: BgpObject;
  /** Names of this node's routers (in the object's namespace) the object applies to; empty when it binds to none. */
  routers: string[];
}

export interface BuildResult {
  desired: DesiredNodeState;
  problems: Problem[];
  subjects: Subject[];
}

export function buildDesiredState(snapshot: ApiSnapshot, nodeName: string): BuildResult {
  const owned = sortByKey(snapshot.routers.filter((r) => isOwnedRouter(r, nodeName)));
  const ownedKeys = new Set(owned.map((r) => keyOf(r.metadata)));
  // Objects that bind to nothing are reported by the agents that route for their
  // namespace: someone must tell the user, and only those agents are concerned.
  const namespaces = new Set(owned.map((r) => r.metadata.namespace));
  const problems: Problem[] = [];
  const subjects: Subject[] = owned.map((r) => ({ ref: refOf('BGPRouter', r.metadata), object: r, routers: [r.metadata.name!] }));

  /** Binds each object of a collection to the owned routers it targets. */
  const bind = <T extends BgpObject>(kind: ObjectKind, objects: T[], binding: (o: T) => RouterBinding): Map<string, T[]> => {
    const byRouter = new Map<string, T[]>();
    for (const object of sortByKey(objects.filter((o) => namespaces.has(o.metadata.namespace)))) {
      const ref = refOf(kind, object.metadata);
      const result = boundRouters(binding(object), object.metadata, snapshot.routers);
      if (!result.ok) {
        problems.push({ object: ref, reason: result.reason, message: result.message, field: result.field });
        subjects.push({ ref, object, routers: [] });
        continue;
      }
      const mine = result.routers.filter((r) => ownedKeys.has(keyOf(r.metadata)));
      if (!mine.length) continue;
      subjects.push({ ref, object, routers: mine.map((r) => r.metadata.name!) });
      for (const router of mine) {
        const key = keyOf(router.metadata);
        byRouter.set(key, [...(byRouter.get(key) ?? []), object]);
      }
    }
    return byRouter;
  };
  const peersOf = bind('BGPPeer', snapshot.peers, (p) => p.spec ?? {});
  const advertisementsOf = bind('BGPAdvertisement', snapshot.advertisements, (a) => ({ routerRef: a.spec?.routerRef }));
  const policiesOf = bind('BGPPolicy', snapshot.policies, (p) => p.spec ?? {});
  const vrfsOf = bind('BGPVRFInstance', snapshot.vrfInstances, (v) => v.spec ?? {});

  const policiesByKey = new Map(snapshot.policies.map((p) => [keyOf(p.metadata), p]));
  const policyRefIn = (namespace: string) => (name: string) =>
    policiesByKey.has(`${namespace}/${name}`) ? { kind: 'BGPPolicy' as const, namespace, name } : undefined;

  // A peer or advertisement bound to several of this node's routers is translated once
  // per router, but its problems are the same each time: report them once.
  const reported = new Set<string>();
  const report = (found: Problem[]): void => {
    for (const p of found) {
      const id = JSON.stringify([p.object, p.reason, p.field, p.message]);
      if (!reported.has(id)) problems.push(p);
      reported.add(id);
    }
  };

  const routers = owned.map((router): DesiredRouter => {
    const key = keyOf(router.metadata);
    const namespace = router.metadata.namespace!;
    const policyRef = policyRefIn(namespace);
    const spec = router.spec!;

    const peers = (peersOf.get(key) ?? []).flatMap((peer) => {
      const result = desiredPeer(peer, { ref: refOf('BGPPeer', peer.metadata), secrets: snapshot.secrets, policyRef });
      report(result.problems);
      return result.peer ? [result.peer] : [];
    });
    const advertisements = (advertisementsOf.get(key) ?? []).map((adv) => {
      const result = desiredAdvertisement(adv, refOf('BGPAdvertisement', adv.metadata), policyRef);
      report(result.problems);
      return result.advertisement;
    });

    // Policies bound to the router, and those its peers and advertisements name.
    const policies = new Map<string, DesiredPolicy>();
    for (const policy of policiesOf.get(key) ?? []) policies.set(keyOf(policy.metadata), desiredPolicy(policy, refOf('BGPPolicy', policy.metadata)));
    const named = [...peers.flatMap((p) => [p.importPolicy, p.exportPolicy]), ...advertisements.map((a) => a.policy)];
    for (const ref of named) {
      const policy = ref && policiesByKey.get(refKey(ref));
      if (policy && !policies.has(refKey(ref))) policies.set(refKey(ref), desiredPolicy(policy, ref));
    }
    for (const ref of named) {
      if (ref && policies.has(refKey(ref))) addSubjectRouter(subjects, ref, policiesByKey.get(refKey(ref))!, router.metadata.name!);
    }

    return {
      ref: refOf('BGPRouter', router.metadata),
      localASN: spec.localASN,
      routerID: spec.routerID,
      addressFamilies: spec.addressFamilies.map(({ afi, safi }) => ({ afi, safi })),
      peers,
      advertisements,
      policies: [...policies.values()].sort((a, b) => compareKeys(refKey(a.ref), refKey(b.ref))),
      vrfs: (vrfsOf.get(key) ?? []).map((vrf) => desiredVrf(vrf, refOf('BGPVRFInstance', vrf.metadata))),
    };
  });

  return { desired: { routers }, problems, subjects };
}

/** A policy used by name (routeMapIn/Out, policyRef) applies to that router too. */
function addSubjectRouter(subjects: Subject[], ref: ObjectRef, object: BGPPolicy, router: string): void {
  const subject = subjects.find((s) => s.ref.kind === ref.kind && refKey(s.ref) === refKey(ref));
  if (!subject) subjects.push({ ref, object, routers: [router] });
  else if (!subject.routers.includes(router)) subject.routers.push(router);
}

export function refOf(kind: ObjectKind, meta: ObjectMeta): ObjectRef {
  return { kind, namespace: meta.namespace ?? '', name: meta.name ?? '' };
}

function keyOf(meta: ObjectMeta): string {
  return `${meta.namespace}/${meta.name}`;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortByKey<T extends { metadata: ObjectMeta }>(objects: T[]): T[] {
  return [...objects].sort((a, b) => compareKeys(keyOf(a.metadata), keyOf(b.metadata)));
}
