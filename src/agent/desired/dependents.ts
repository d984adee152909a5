// BGPAdvertisement, BGPPolicy and BGPVRFInstance as parts of a router's desired state.
// (BGPPeer, which needs Secrets and timer defaults, has its own module.)
import type { BGPAdvertisement, BGPPolicy, BGPVRFInstance } from '../../api/types.generated.js';
import {
  ProblemReason,
  type DesiredAdvertisement,
  type DesiredPolicy,
  type DesiredVrf,
  type ObjectRef,
  type Problem,
} from '../desired-state.js';
import { withoutUndefined } from './without-undefined.js';

export function desiredAdvertisement(
  advertisement: BGPAdvertisement,
  ref: ObjectRef,
  policyRef: (name: string) => ObjectRef | undefined,
): { advertisement: DesiredAdvertisement; problems: Problem[] } {
  const spec = advertisement.spec!;
  const problems: Problem[] = [];
  let policy: ObjectRef | undefined;
  if (spec.policyRef) {
    policy = policyRef(spec.policyRef.name);
    if (!policy) {
      problems.push({
        object: ref,
        reason: ProblemReason.PolicyNotFound,
        message: `BGPPolicy ${ref.namespace}/${spec.policyRef.name} does not exist`,
        field: 'spec.policyRef.name',
      });
      // Kept dangling so that the renderer fails closed: nothing unfiltered is originated.
      policy = { kind: 'BGPPolicy', namespace: ref.namespace, name: spec.policyRef.name };
    }
  }
  const from = spec.originateFrom;
  const desired: DesiredAdvertisement = {
    ref,
    addressFamily: { afi: spec.addressFamily.afi, safi: spec.addressFamily.safi },
    prefixes: [...(spec.prefixes ?? [])],
    communities: [...(spec.communities ?? [])],
    localPreference: spec.localPreference,
    redistribute: [...(spec.redistribute ?? [])],
    originateFrom: from && (from.type === 'interface' ? { type: 'interface', interfaceName: from.interfaceName! } : { type: 'kernel' }),
    policy,
  };
  return { advertisement: withoutUndefined(desired), problems };
}

export function desiredPolicy(policy: BGPPolicy, ref: ObjectRef): DesiredPolicy {
  const spec = policy.spec!;
  return {
    ref,
    direction: spec.direction,
    terms: spec.terms.map((t) => withoutUndefined({ sequence: t.sequence, action: t.action, match: t.match, set: t.set })),
  };
}

export function desiredVrf(vrf: BGPVRFInstance, ref: ObjectRef): DesiredVrf {
  const spec = vrf.spec!;
  // spec.vni is our addition to the reference API; without it the renderer reports VNIUnknown.
  return {
    ref,
    vni: spec.vni,
    routeDistinguisher: spec.routeDistinguisher,
    importRouteTargets: spec.importRouteTargets.map((t) => t.value),
    exportRouteTargets: spec.exportRouteTargets.map((t) => t.value),
  };
}
