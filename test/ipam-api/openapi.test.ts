// The allocate subresource in the published OpenAPI documents: its operations under the
// VPC's path, named as kube names subresource operations, and the AddressAllocation kind.
import { describe, expect, it } from 'vitest';
import { loadKinds } from '../../src/api/kinds.js';
import { buildOpenApiV2 } from '../../src/api/openapi/v2.js';
import { buildOpenApiV3 } from '../../src/api/openapi/v3.js';

type Json = { [key: string]: any };

const kinds = loadKinds();
const path = '/apis/vpc.miloapis.com/v1alpha1/namespaces/{namespace}/vpcs/{name}/allocate';
const gvk = { group: 'vpc.miloapis.com', kind: 'AddressAllocation', version: 'v1alpha1' };

describe('the allocate subresource in OpenAPI', () => {
  it('is listed in the v3 document of vpc.miloapis.com/v1alpha1 with its three operations', () => {
    const doc = buildOpenApiV3(kinds, 'vpc.miloapis.com', 'v1alpha1') as Json;
    const item = doc.paths[path];
    expect(Object.keys(item).sort()).toEqual(['delete', 'get', 'parameters', 'post']);
    expect([item.post, item.get, item.delete].map((o: Json) => `${o['x-kubernetes-action']} ${o.operationId}`)).toEqual([
      'post createVpcMiloapisComV1alpha1NamespacedVPCAllocate',
      'get readVpcMiloapisComV1alpha1NamespacedVPCAllocate',
      'delete deleteVpcMiloapisComV1alpha1NamespacedVPCAllocate',
    ]);
    expect(item.post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/com.miloapis.vpc.v1alpha1.AddressAllocation');
    expect(Object.keys(item.post.responses)).toEqual(['200', '201', '401']);
    expect(item.get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/com.miloapis.vpc.v1alpha1.AddressAllocationList');
    expect(item.delete.parameters.map((p: Json) => p.name)).toEqual(['owner', 'dryRun']);
    for (const op of [item.post, item.get, item.delete]) expect(op['x-kubernetes-group-version-kind']).toEqual(gvk);
    expect(item.parameters.map((p: Json) => `${p.in}:${p.name}`)).toEqual(['path:name', 'path:namespace', 'query:pretty']);

    const kind = doc.components.schemas['com.miloapis.vpc.v1alpha1.AddressAllocation'];
    expect(kind['x-kubernetes-group-version-kind']).toEqual([gvk]);
    expect(kind.properties.spec.required).toEqual(['owner']);
    expect(doc.components.schemas['com.miloapis.vpc.v1alpha1.AddressAllocationList'].properties.items.items.$ref).toBe(
      '#/components/schemas/com.miloapis.vpc.v1alpha1.AddressAllocation',
    );
  });

  it('is listed in the v2 document, and not in the v3 document of the other group', () => {
    const v2 = buildOpenApiV2(kinds) as Json;
    expect(v2.paths[path].post.parameters[0]).toEqual({ name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/com.miloapis.vpc.v1alpha1.AddressAllocation' } });
    expect(v2.definitions['com.miloapis.vpc.v1alpha1.AddressAllocation']).toBeDefined();
    const bgp = buildOpenApiV3(kinds, 'bgp.miloapis.com', 'v1alpha1') as Json;
    expect(Object.keys(bgp.components.schemas).some((name) => name.includes('AddressAllocation'))).toBe(false);
  });
});
