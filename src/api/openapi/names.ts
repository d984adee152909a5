// How kube-apiserver names things in its published OpenAPI documents, so clients that
// look definitions and operations up by name (kubectl, client generators) find ours.

/** The package of the meta.k8s.io/v1 types every resource refers to. */
const META_V1 = 'io.k8s.apimachinery.pkg.apis.meta.v1';

export const metaV1 = {
  DeleteOptions: `${META_V1}.DeleteOptions`,
  FieldsV1: `${META_V1}.FieldsV1`,
  ListMeta: `${META_V1}.ListMeta`,
  ManagedFieldsEntry: `${META_V1}.ManagedFieldsEntry`,
  ObjectMeta: `${META_V1}.ObjectMeta`,
  OwnerReference: `${META_V1}.OwnerReference`,
  Patch: `${META_V1}.Patch`,
  Preconditions: `${META_V1}.Preconditions`,
  Status: `${META_V1}.Status`,
  StatusCause: `${META_V1}.StatusCause`,
  StatusDetails: `${META_V1}.StatusDetails`,
  Time: `${META_V1}.Time`,
  WatchEvent: `${META_V1}.WatchEvent`,
  RawExtension: 'io.k8s.apimachinery.pkg.runtime.RawExtension',
} as const;

/**
 * The definition name of a kind: the group's domain reversed, then version and kind
 * (bgp.miloapis.com/v1alpha1 BGPRouter → com.miloapis.bgp.v1alpha1.BGPRouter), as
 * kube-apiserver's definition namer names custom resources.
 */
export function definitionName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

/**
 * An identifier fragment as kube's ToValidOperationID makes it: anything that is not a
 * letter, `_` or a non-leading digit is dropped and capitalises what follows.
 */
function toOperationIdPart(s: string, capitalizeFirst: boolean): string {
  let out = '';
  let capitalize = capitalizeFirst;
  [...s].forEach((ch, i) => {
    if (/\p{L}|_/u.test(ch) || (i !== 0 && /\p{Nd}/u.test(ch))) {
      out += capitalize ? ch.toUpperCase() : ch;
      capitalize = false;
    } else {
      capitalize = true;
    }
  });
  return out;
}

/**
 * kube's operation id: the verb, then the group and version, then the rest of the
 * operation name (list + NamespacedBGPRouter → listBgpMiloapisComV1alpha1NamespacedBGPRouter).
 */
export function operationId(verb: string, group: string, version: string, rest: string): string {
  return verb + toOperationIdPart(group, true) + toOperationIdPart(version, true) + toOperationIdPart(rest, true);
}

/** The tag kube files a group version's operations under (bgpMiloapisCom_v1alpha1). */
export function operationTag(group: string, version: string): string {
  return `${toOperationIdPart(group, false)}_${toOperationIdPart(version, false)}`;
}
