// A kind's structural schema as it is published. kube-apiserver publishes a CRD schema
// as written, with `x-kubernetes-int-or-string` unfolded into the `anyOf` clients
// understand. We add what kube only publishes for built-in types: strategic-merge-patch
// metadata, because our server accepts strategic merge patches for every kind and
// client-side `kubectl apply` computes them from these extensions.
import type { JSONSchemaProps } from '../kinds.js';
import type { Schema } from './dialect.js';

/**
 * A list keyed by one field merges by that key; a list keyed by several fields cannot
 * be said in strategic-merge-patch terms, so patches replace it whole.
 */
function patchMetadata(s: JSONSchemaProps): Schema {
  const keys = s['x-kubernetes-list-map-keys'];
  if (s['x-kubernetes-list-type'] !== 'map' || keys?.length !== 1) return {};
  return { 'x-kubernetes-patch-merge-key': keys[0], 'x-kubernetes-patch-strategy': 'merge' };
}

function intOrStringAlternatives(s: JSONSchemaProps): Schema {
  return s['x-kubernetes-int-or-string'] ? { anyOf: [{ type: 'integer' }, { type: 'string' }] } : {};
}

function mapValues<T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}

export function publishedStructural(s: JSONSchemaProps): Schema {
  const { properties, items, additionalProperties, allOf, ...keywords } = s;
  return {
    ...keywords,
    ...(properties && { properties: mapValues(properties, publishedStructural) }),
    ...(items && { items: publishedStructural(items) }),
    ...(additionalProperties !== undefined && {
      additionalProperties: typeof additionalProperties === 'boolean' ? additionalProperties : publishedStructural(additionalProperties),
    }),
    ...(allOf && { allOf: allOf.map(publishedStructural) }),
    ...intOrStringAlternatives(s),
    ...patchMetadata(s),
  };
}
