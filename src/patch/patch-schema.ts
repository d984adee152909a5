// What a strategic merge patch needs to know about a kind, read from its OpenAPI v3
// structural schema: how each list merges and whether a map is replaced as a whole.
// Kubernetes' own markers (`x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key`)
// win over the structural ones (`x-kubernetes-list-type`, `x-kubernetes-list-map-keys`).

/** The parts of a schema node that matter to patching; any OpenAPI v3 schema fits. */
export interface PatchSchema {
  properties?: Record<string, PatchSchema>;
  items?: PatchSchema;
  additionalProperties?: boolean | PatchSchema;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-patch-merge-key'?: string;
  /** 'merge', 'replace', 'retainKeys' or 'merge,retainKeys'. */
  'x-kubernetes-patch-strategy'?: string;
}

export type ListStrategy =
  /** The patch's list replaces the live one. */
  | { kind: 'replace' }
  /** Union of both lists, equal elements once. */
  | { kind: 'set' }
  /** Elements with equal values at `keys` are merged, others added. */
  | { kind: 'map'; keys: string[] };

// CRD schemas declare `metadata` as a bare object; ObjectMeta's own patch markers are
// these (labels and annotations are plain maps and merge by default).
const OBJECT_META: PatchSchema = {
  properties: {
    finalizers: { 'x-kubernetes-patch-strategy': 'merge' },
    ownerReferences: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'uid' },
  },
};

/** The kind's schema with ObjectMeta's patch markers filled in where it does not say otherwise. */
export function withObjectMeta(schema: PatchSchema | undefined): PatchSchema {
  const metadata = schema?.properties?.metadata;
  return {
    ...schema,
    properties: {
      ...schema?.properties,
      metadata: { ...metadata, properties: { ...OBJECT_META.properties, ...metadata?.properties } },
    },
  };
}

export function fieldSchema(schema: PatchSchema | undefined, field: string): PatchSchema | undefined {
  if (schema?.properties && Object.hasOwn(schema.properties, field)) return schema.properties[field];
  return typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined;
}

function strategies(schema: PatchSchema | undefined): string[] {
  return (schema?.['x-kubernetes-patch-strategy'] ?? '').split(',').map((s) => s.trim());
}

export function listStrategy(schema: PatchSchema | undefined): ListStrategy {
  const declared = strategies(schema);
  if (declared.includes('replace')) return { kind: 'replace' };
  const mergeKey = schema?.['x-kubernetes-patch-merge-key'];
  const mapKeys = schema?.['x-kubernetes-list-type'] === 'map' ? schema['x-kubernetes-list-map-keys'] ?? [] : [];
  if (declared.includes('merge')) {
    if (mergeKey) return { kind: 'map', keys: [mergeKey] };
    return mapKeys.length ? { kind: 'map', keys: mapKeys } : { kind: 'set' };
  }
  // Merge only where the published OpenAPI tells clients so (single-key list-maps get a
  // patch merge key there): kubectl computes its patches from those documents, and a list
  // it believes atomic must be replaced, or `kubectl apply` could never remove an item.
  if (mergeKey) return { kind: 'map', keys: [mergeKey] };
  if (mapKeys.length === 1) return { kind: 'map', keys: mapKeys };
  return { kind: 'replace' };
}

/** Whether a patch replaces this map instead of merging into it. */
export function replacesMap(schema: PatchSchema | undefined): boolean {
  return strategies(schema).includes('replace') || schema?.['x-kubernetes-map-type'] === 'atomic';
}
