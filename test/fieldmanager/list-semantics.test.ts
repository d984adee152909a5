// Ownership of list items depends on each array's declared list type, so every array in
// openapi/ states one, and each choice is one kube-apiserver would accept in a CRD.
import { describe, expect, it } from 'vitest';
import { loadKinds, type JSONSchemaProps } from '../../src/api/kinds.js';

interface ArrayNode {
  path: string;
  schema: JSONSchemaProps;
}

function arrays(schema: JSONSchemaProps, path: string, out: ArrayNode[] = []): ArrayNode[] {
  if (schema.type === 'array') out.push({ path, schema });
  if (schema.items) arrays(schema.items, `${path}[*]`, out);
  for (const [name, child] of Object.entries(schema.properties ?? {})) arrays(child, `${path}.${name}`, out);
  if (typeof schema.additionalProperties === 'object') arrays(schema.additionalProperties, `${path}{*}`, out);
  return out;
}

const all = loadKinds().flatMap((kind) => arrays(kind.schema, kind.kind));
const isScalar = (s: JSONSchemaProps | undefined) => s?.type === 'string' || s?.type === 'integer' || s?.type === 'number' || s?.type === 'boolean';

describe('list semantics in openapi/', () => {
  it('finds the arrays of the seven kinds', () => {
    expect(all.length).toBeGreaterThan(25);
  });

  it.each(all.map((a) => [a.path, a] as const))('%s states its list type', (_, { schema }) => {
    expect(schema['x-kubernetes-list-type']).toMatch(/^(atomic|set|map)$/);
  });

  it.each(all.filter((a) => a.schema['x-kubernetes-list-type'] === 'set').map((a) => [a.path, a] as const))('%s is a set of scalars', (_, { schema }) => {
    expect(isScalar(schema.items)).toBe(true);
  });

  it.each(all.filter((a) => a.schema['x-kubernetes-list-type'] === 'map').map((a) => [a.path, a] as const))('%s is keyed by required scalar fields', (_, { schema }) => {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(isScalar(schema.items?.properties?.[key])).toBe(true);
      expect(schema.items?.required ?? []).toContain(key);
    }
  });

  it('keys address families by afi+safi and policy terms by sequence', () => {
    const keysOf = (path: string) => all.find((a) => a.path === path)?.schema['x-kubernetes-list-map-keys'];
    expect(keysOf('BGPRouter.spec.addressFamilies')).toEqual(['afi', 'safi']);
    expect(keysOf('BGPPeer.spec.addressFamilies')).toEqual(['afi', 'safi']);
    expect(keysOf('BGPPolicy.spec.terms')).toEqual(['sequence']);
  });
});
