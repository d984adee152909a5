// Which policies the configuration uses, in which families. Peers and advertisements ask
// for a policy's route-map here; afterwards every policy is rendered for every family of
// the router, so that what FRR cannot express is reported even for a policy nobody uses
// yet, but only the route-maps in use are configured.
import type { AddressFamily, DesiredPolicy, ObjectRef, Problem } from '../desired-state.js';
import { ProblemReason, refKey } from '../desired-state.js';
import type { ConfigNode } from './config-tree.js';
import { familyTag, policyRouteMap } from './names.js';
import { renderPolicy } from './policy.js';
import { byRef } from './section.js';

export interface PolicyUser {
  object: ObjectRef;
  field: string;
}

export class PolicyUsage {
  private readonly byKey: Map<string, DesiredPolicy>;
  private readonly used = new Set<string>();

  constructor(
    policies: readonly DesiredPolicy[],
    private readonly problems: Problem[],
  ) {
    this.byKey = new Map(policies.map((p) => [refKey(p.ref), p]));
  }

  /** The route-map of the policy in the family, or undefined (reported on the user) when there is no such policy or it points the other way. */
  use(ref: ObjectRef, af: AddressFamily, direction: DesiredPolicy['direction'], user: PolicyUser): string | undefined {
    const policy = this.byKey.get(refKey(ref));
    if (!policy) {
      this.problems.push({ object: user.object, reason: ProblemReason.PolicyNotFound, field: user.field, message: `${user.field}: BGPPolicy ${refKey(ref)} not found` });
      return undefined;
    }
    if (policy.direction !== direction) {
      this.problems.push({
        object: user.object,
        reason: ProblemReason.PolicyDirectionMismatch,
        field: user.field,
        message: `${user.field}: BGPPolicy ${refKey(ref)} is an ${policy.direction} policy, used here for ${direction}`,
      });
      return undefined;
    }
    this.used.add(usageKey(policy.ref, af));
    return policyRouteMap(policy.ref, af);
  }

  /** Every policy in every family of the router: problems for all, configuration for the ones in use. */
  render(families: readonly AddressFamily[], localASN: number): ConfigNode[] {
    const nodes: ConfigNode[] = [];
    const policies = [...this.byKey.values()].sort(byRef);
    for (const policy of policies) {
      for (const af of families) {
        const rendering = renderPolicy(policy, af, localASN);
        this.problems.push(...rendering.problems);
        if (!this.used.has(usageKey(policy.ref, af))) continue;
        this.problems.push(...rendering.familyProblems);
        nodes.push(...rendering.nodes);
      }
    }
    return nodes;
  }
}

function usageKey(ref: ObjectRef, af: AddressFamily): string {
  return `${refKey(ref)}|${familyTag(af)}`;
}
