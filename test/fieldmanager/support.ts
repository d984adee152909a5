// Real kind definitions from openapi/, and small builders for the objects the field
// manager tests write.
import { loadKinds, type KindDefinition } from '../../src/api/kinds.js';
import type { ManagedFieldsEntry } from '../../src/api/object-meta.js';
import type { KubeObject } from '../../src/api/object.js';

const kinds = loadKinds();

export function kindNamed(name: string): KindDefinition {
  const kind = kinds.find((k) => k.kind === name);
  if (!kind) throw new Error(`no kind ${name} in openapi/`);
  return kind;
}

export const routerKind = kindNamed('BGPRouter');
export const policyKind = kindNamed('BGPPolicy');
export const vrfKind = kindNamed('BGPVRFInstance');

/** Successive write times, a minute apart. */
export const T = ['2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z', '2025-01-01T00:02:00Z', '2025-01-01T00:03:00Z', '2025-01-01T00:04:00Z'] as const;

export function configOf(kind: KindDefinition, body: Record<string, unknown>, metadata: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: `${kind.group}/${kind.version}`, kind: kind.kind, metadata: { name: 'r1', namespace: 'default', ...metadata }, ...body };
}

/** A stored router as the registry would hold it (server-set metadata filled in). */
export function storedRouter(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject {
  return {
    ...(configOf(routerKind, { spec, ...extra }) as KubeObject),
    metadata: { name: 'r1', namespace: 'default', uid: 'u-1', resourceVersion: '7', generation: 1, creationTimestamp: T[0] },
  };
}

export const fullRouterSpec = () => ({
  localASN: 65000,
  routerID: '10.0.0.1',
  roles: ['fabric'],
  targetRef: { kind: 'Node', name: 'node-1' },
  addressFamilies: [{ afi: 'ipv4', safi: 'unicast' }],
});

export function entryOf(object: KubeObject, manager: string, operation: 'Apply' | 'Update' = 'Apply', subresource = ''): ManagedFieldsEntry | undefined {
  return object.metadata.managedFields?.find((e) => e.manager === manager && e.operation === operation && (e.subresource ?? '') === subresource);
}

export function fieldsOf(object: KubeObject, manager: string, operation: 'Apply' | 'Update' = 'Apply', subresource = ''): unknown {
  return entryOf(object, manager, operation, subresource)?.fieldsV1;
}

export function managersOf(object: KubeObject): string[] {
  return (object.metadata.managedFields ?? []).map((e) => `${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ''}`);
}
