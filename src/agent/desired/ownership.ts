// Which objects are this node's: the BGPRouters whose spec.targetRef is the node, and
// the objects that bind to a router by spec.routerRef (a name) or spec.routerSelector
// (labels). Both resolve in the binding object's own namespace: every Cosmos kind is
// namespaced and neither reference carries a namespace.
import type { BGPRouter } from '../../api/types.generated.js';
import { labelSelectorFromObject, type LabelSelectorObject } from '../../meta/labels.js';
import type { ObjectMeta } from '../../api/object-meta.js';
import { AgentReason } from './reasons.js';

export const NODE_TARGET_KIND = 'Node';

export function isOwnedRouter(router: BGPRouter, nodeName: string): boolean {
  const target = router.spec?.targetRef;
  // A router being deleted is no longer wanted; its configuration goes with it.
  return target?.kind === NODE_TARGET_KIND && target.name === nodeName && !router.metadata.deletionTimestamp;
}

export interface RouterBinding {
  routerRef?: { name: string };
  routerSelector?: LabelSelectorObject;
}

export type BindingResult =
  | { ok: true; routers: BGPRouter[] }
  | { ok: false; reason: string; message: string; field: string };

/**
 * The routers among `routers` (any node's) that `binding`, on an object in `namespace`,
 * targets. An object that sets neither reference, or whose selector cannot be parsed,
 * binds to nothing and says why.
 */
export function boundRouters(binding: RouterBinding, meta: ObjectMeta, routers: readonly BGPRouter[]): BindingResult {
  const inNamespace = routers.filter((r) => r.metadata.namespace === meta.namespace);
  if (binding.routerRef) {
    const name = binding.routerRef.name;
    const found = inNamespace.filter((r) => r.metadata.name === name);
    return found.length
      ? { ok: true, routers: found }
      : { ok: false, reason: AgentReason.RouterNotFound, message: `BGPRouter ${meta.namespace}/${name} does not exist`, field: 'spec.routerRef.name' };
  }
  if (binding.routerSelector) {
    let selector;
    try {
      selector = labelSelectorFromObject(binding.routerSelector);
    } catch (err) {
      return { ok: false, reason: AgentReason.InvalidRouterSelector, message: (err as Error).message, field: 'spec.routerSelector' };
    }
    const found = inNamespace.filter((r) => selector.matches(r.metadata.labels));
    return found.length
      ? { ok: true, routers: found }
      : {
          ok: false,
          reason: AgentReason.RouterNotFound,
          message: `no BGPRouter in namespace ${meta.namespace} matches spec.routerSelector`,
          field: 'spec.routerSelector',
        };
  }
  return { ok: false, reason: AgentReason.RouterNotFound, message: 'neither spec.routerRef nor spec.routerSelector is set', field: 'spec' };
}
