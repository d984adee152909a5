import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { widgetKind } from '../support/widget-kind.js';
import { groupVersions, loadKinds, type KindDefinition } from '../../src/api/kinds.js';
import { loadSubresourceKinds } from '../../src/api/openapi/subresource-kinds.js';
import { buildOpenApiV2 } from '../../src/api/openapi/v2.js';
import { buildOpenApiV3, buildOpenApiV3Index } from '../../src/api/openapi/v3.js';

type Json = { [key: string]: any };

const kinds = loadKinds();
const v2: Json = buildOpenApiV2(kinds);
const v3ByGroupVersion = groupVersions(kinds).map(({ group, version }) => ({ group, version, doc: buildOpenApiV3(kinds, group, version) as Json }));
const bgp = v3ByGroupVersion.find((d) => d.group === 'bgp.miloapis.com')!.doc;
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) => (key === '$ref' ? [v as string] : refsIn(v)));
}

function keywordsIn(value: unknown, keyword: string): unknown[] {
  if (Array.isArray(value)) return value.flatMap((v) => keywordsIn(v, keyword));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) => [...(key === keyword ? [v] : []), ...keywordsIn(v, keyword)]);
}

/** Every operation of a document, with its path and method. */
function operations(doc: Json): { path: string; method: string; op: Json }[] {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => method !== 'parameters')
      .map(([method, op]) => ({ path, method, op: op as Json })),
  );
}

const k = (kind: string) => kinds.find((d) => d.kind === kind)!;

describe('OpenAPI v3 group-version documents', () => {
  it('define every kind and its list under kube-style names, with the group-version-kind extension', () => {
    for (const { group, version, doc } of v3ByGroupVersion) {
      const names = Object.keys(doc.components.schemas);
      for (const kind of kinds.filter((d) => d.group === group)) {
        const domain = group.split('.').reverse().join('.');
        expect(doc.components.schemas[`${domain}.${version}.${kind.kind}`]['x-kubernetes-group-version-kind']).toEqual([
          { group, kind: kind.kind, version },
        ]);
        expect(doc.components.schemas[`${domain}.${version}.${kind.listKind}`]['x-kubernetes-group-version-kind']).toEqual([
          { group, kind: kind.listKind, version },
        ]);
      }
      // Only this group version's kinds: the other group's are in its own document.
      expect(names.filter((n) => n.startsWith('com.miloapis.')).every((n) => n.startsWith(`${group.split('.').reverse().join('.')}.`))).toBe(true);
    }
    expect(bgp.components.schemas['com.miloapis.bgp.v1alpha1.BGPRouter']).toBeDefined();
  });

  it('refer only to schemas the document defines', () => {
    for (const { doc } of v3ByGroupVersion) {
      const refs = new Set(refsIn(doc));
      expect(refs.size).toBeGreaterThan(5);
      for (const ref of refs) {
        expect(ref).toMatch(/^#\/components\/schemas\//);
        expect(doc.components.schemas[ref.slice('#/components/schemas/'.length)], ref).toBeDefined();
      }
    }
  });

  it('point metadata at ObjectMeta (wrapped in allOf to keep the description) and publish the meta types with descriptions', () => {
    const router = bgp.components.schemas['com.miloapis.bgp.v1alpha1.BGPRouter'];
    expect(router.properties.metadata).toEqual({
      allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }],
      description: expect.stringContaining("Standard object's metadata"),
    });
    expect(router.properties.apiVersion.description).toMatch(/^APIVersion defines the versioned schema/);
    const list = bgp.components.schemas['com.miloapis.bgp.v1alpha1.BGPRouterList'];
    expect(list.required).toEqual(['items']);
    expect(list.properties.items.items).toEqual({ $ref: '#/components/schemas/com.miloapis.bgp.v1alpha1.BGPRouter' });
    expect(list.properties.metadata.allOf).toEqual([{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta' }]);
    for (const name of ['ObjectMeta', 'ListMeta', 'Status', 'DeleteOptions', 'Patch', 'WatchEvent', 'ManagedFieldsEntry', 'OwnerReference', 'Time', 'FieldsV1']) {
      expect(bgp.components.schemas[`io.k8s.apimachinery.pkg.apis.meta.v1.${name}`].description, name).toMatch(/\w/);
    }
    expect(bgp.components.schemas[OBJECT_META].properties.name.description).toMatch(/^Name must be unique within a namespace/);
  });

  it('keep the schemas as written: descriptions, CEL rules, defaults, enums in allOf', () => {
    const peer = bgp.components.schemas['com.miloapis.bgp.v1alpha1.BGPPeer'];
    expect(peer.properties.spec.properties.holdTime.description).toBe(k('BGPPeer').schema.properties!.spec!.properties!.holdTime!.description);
    expect(peer.properties.spec.properties.address['x-kubernetes-validations']).toEqual([
      { message: 'address must be a valid IPv4 or IPv6 address', rule: 'isIP(self)' },
    ]);
    const vpc = v3ByGroupVersion.find((d) => d.group === 'vpc.miloapis.com')!.doc;
    expect(keywordsIn(vpc.components.schemas['com.miloapis.vpc.v1alpha1.VPCAttachment'], 'default')).toContain('eth0');
  });

  it('derive strategic-merge-patch metadata from single-key map lists only', () => {
    const conditions = bgp.components.schemas['com.miloapis.bgp.v1alpha1.BGPRouter'].properties.status.properties.conditions;
    expect(conditions).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      'x-kubernetes-patch-merge-key': 'type',
      'x-kubernetes-patch-strategy': 'merge',
    });
    const vrfRouters = bgp.components.schemas['com.miloapis.bgp.v1alpha1.BGPVRFInstance'].properties.status.properties.routers;
    expect(vrfRouters['x-kubernetes-patch-merge-key']).toBe('routerName');
    // Every merge key the document publishes stands beside a one-key map list.
    for (const { doc } of v3ByGroupVersion) {
      const listsWithKeys = (value: unknown): Json[] =>
        typeof value !== 'object' || value === null
          ? []
          : [...((value as Json)['x-kubernetes-patch-merge-key'] ? [value as Json] : []), ...Object.values(value).flatMap(listsWithKeys)];
      for (const list of listsWithKeys(doc.components.schemas)) {
        if (list === doc.components.schemas[OBJECT_META].properties.ownerReferences) continue;
        expect(list['x-kubernetes-list-map-keys']).toEqual([list['x-kubernetes-patch-merge-key']]);
      }
    }

    const synthetic = syntheticKind({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            byTwoKeys: {
              type: 'array',
              items: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, required: ['a', 'b'] },
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['a', 'b'],
            },
            tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
          },
        },
      },
    });
    const spec = (buildOpenApiV3([synthetic], 'example.com', 'v1') as Json).components.schemas['com.example.v1.Widget'].properties.spec.properties;
    expect(spec.byTwoKeys['x-kubernetes-patch-strategy']).toBeUndefined();
    expect(spec.tags['x-kubernetes-patch-strategy']).toBeUndefined();
  });

  it('list every operation kube serves for a namespaced kind with status, named as kube names them', () => {
    const routerOps = operations(bgp)
      .filter(({ op }) => op['x-kubernetes-group-version-kind'].kind === 'BGPRouter')
      .map(({ path, method, op }) => `${method.toUpperCase()} ${path} ${op['x-kubernetes-action']} ${op.operationId}`);
    const ns = '/apis/bgp.miloapis.com/v1alpha1/namespaces/{namespace}/bgprouters';
    expect(routerOps).toEqual([
      'GET /apis/bgp.miloapis.com/v1alpha1/bgprouters list listBgpMiloapisComV1alpha1BGPRouterForAllNamespaces',
      `GET ${ns} list listBgpMiloapisComV1alpha1NamespacedBGPRouter`,
      `POST ${ns} post createBgpMiloapisComV1alpha1NamespacedBGPRouter`,
      `DELETE ${ns} deletecollection deleteBgpMiloapisComV1alpha1CollectionNamespacedBGPRouter`,
      `GET ${ns}/{name} get readBgpMiloapisComV1alpha1NamespacedBGPRouter`,
      `PUT ${ns}/{name} put replaceBgpMiloapisComV1alpha1NamespacedBGPRouter`,
      `DELETE ${ns}/{name} delete deleteBgpMiloapisComV1alpha1NamespacedBGPRouter`,
      `PATCH ${ns}/{name} patch patchBgpMiloapisComV1alpha1NamespacedBGPRouter`,
      `GET ${ns}/{name}/status get readBgpMiloapisComV1alpha1NamespacedBGPRouterStatus`,
      `PUT ${ns}/{name}/status put replaceBgpMiloapisComV1alpha1NamespacedBGPRouterStatus`,
      `PATCH ${ns}/{name}/status patch patchBgpMiloapisComV1alpha1NamespacedBGPRouterStatus`,
    ]);
    expect(bgp.paths[`${ns}/{name}`].parameters.map((p: Json) => `${p.in}:${p.name}`)).toEqual(['path:name', 'path:namespace', 'query:pretty']);
    for (const kind of kinds) {
      const ops = v3ByGroupVersion.flatMap(({ doc }) => operations(doc)).filter(({ op }) => op['x-kubernetes-group-version-kind'].kind === kind.kind);
      expect(ops).toHaveLength(11);
      for (const { op } of ops) expect(op['x-kubernetes-group-version-kind']).toEqual({ group: kind.group, kind: kind.kind, version: kind.version });
    }
  });

  it('take the query parameters of each action, fieldValidation on every write', () => {
    const params = (path: string, method: string) => (bgp.paths[path][method].parameters as Json[]).map((p) => p.name);
    const ns = '/apis/bgp.miloapis.com/v1alpha1/namespaces/{namespace}/bgppeers';
    expect(params(ns, 'get')).toEqual([
      'allowWatchBookmarks',
      'continue',
      'fieldSelector',
      'labelSelector',
      'limit',
      'resourceVersion',
      'resourceVersionMatch',
      'sendInitialEvents',
      'timeoutSeconds',
      'watch',
    ]);
    expect(params(ns, 'post')).toEqual(['dryRun', 'fieldManager', 'fieldValidation']);
    expect(params(`${ns}/{name}`, 'put')).toEqual(['dryRun', 'fieldManager', 'fieldValidation']);
    expect(params(`${ns}/{name}`, 'patch')).toEqual(['dryRun', 'fieldManager', 'fieldValidation', 'force']);
    expect(params(`${ns}/{name}`, 'delete')).toEqual(['dryRun', 'gracePeriodSeconds', 'orphanDependents', 'propagationPolicy']);
    expect(params(ns, 'delete')).toEqual(expect.arrayContaining(['labelSelector', 'propagationPolicy', 'dryRun']));
    expect(bgp.paths[ns].get.parameters.find((p: Json) => p.name === 'limit')).toMatchObject({ in: 'query', schema: { type: 'integer' } });
  });

  it('accept the four patch types on every PATCH and answer lists and watches with their schemas', () => {
    for (const { doc } of v3ByGroupVersion) {
      const patches = operations(doc).filter(({ method }) => method === 'patch');
      expect(patches.length).toBeGreaterThan(0);
      for (const { op } of patches) {
        expect(Object.keys(op.requestBody.content)).toEqual(PATCH_TYPES);
        expect(op.requestBody.content['application/strategic-merge-patch+json'].schema.$ref).toBe('#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
      }
    }
    const list = bgp.paths['/apis/bgp.miloapis.com/v1alpha1/namespaces/{namespace}/bgppeers'].get.responses['200'].content;
    expect(list['application/json'].schema.$ref).toBe('#/components/schemas/com.miloapis.bgp.v1alpha1.BGPPeerList');
    expect(list['application/json;stream=watch'].schema.$ref).toBe('#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent');
  });

  it('unfold int-or-string into anyOf, as kube publishes it', () => {
    const widget = syntheticKind({ type: 'object', properties: { spec: { type: 'object', properties: { port: { 'x-kubernetes-int-or-string': true } } } } });
    const port = (buildOpenApiV3([widget], 'example.com', 'v1') as Json).components.schemas['com.example.v1.Widget'].properties.spec.properties.port;
    expect(port).toEqual({ 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] });
  });
});

describe('OpenAPI v2 document', () => {
  it('defines every kind of every group, with references resolving under #/definitions', () => {
    for (const kind of kinds) {
      const name = `${kind.group.split('.').reverse().join('.')}.${kind.version}.${kind.kind}`;
      expect(v2.definitions[name]['x-kubernetes-group-version-kind']).toEqual([{ group: kind.group, kind: kind.kind, version: kind.version }]);
      expect(v2.definitions[name].properties.metadata).toEqual({
        $ref: `#/definitions/${OBJECT_META}`,
        description: expect.stringContaining("Standard object's metadata"),
      });
    }
    for (const ref of new Set(refsIn(v2))) {
      expect(ref).toMatch(/^#\/definitions\//);
      expect(v2.definitions[ref.slice('#/definitions/'.length)], ref).toBeDefined();
    }
    // Plus the operations of custom subresources (vpcs/allocate, bgprouters/rib).
    const subresourceOperations = loadSubresourceKinds().flatMap((k) => k.servedAt?.operations ?? []);
    expect(subresourceOperations.length).toBeGreaterThan(0);
    expect(operations(v2)).toHaveLength(11 * kinds.length + subresourceOperations.length);
  });

  it('lists the patch types as consumes and takes bodies and query parameters in v2 form', () => {
    const item = v2.paths['/apis/vpc.miloapis.com/v1alpha1/namespaces/{namespace}/vpcs/{name}'];
    expect(item.patch.consumes).toEqual(PATCH_TYPES);
    expect(item.patch.parameters[0]).toEqual({ name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } });
    expect(item.patch.parameters.find((p: Json) => p.name === 'fieldValidation')).toMatchObject({ in: 'query', type: 'string' });
    expect(item.patch.responses['200'].schema).toEqual({ $ref: '#/definitions/com.miloapis.vpc.v1alpha1.VPC' });
    expect(item.patch['x-kubernetes-group-version-kind']).toEqual({ group: 'vpc.miloapis.com', kind: 'VPC', version: 'v1alpha1' });
    expect(item.parameters.find((p: Json) => p.name === 'name')).toMatchObject({ in: 'path', required: true, type: 'string' });
  });

  it('converts kind schemas as kube does for v2: no junctors, defaults or nullable; CEL rules and descriptions kept', () => {
    const defs = Object.fromEntries(Object.entries(v2.definitions as Json).filter(([name]) => name.startsWith('com.miloapis.')));
    expect(keywordsIn(defs, 'allOf')).toEqual([]);
    expect(keywordsIn(defs, 'default')).toEqual([]);
    expect(keywordsIn(defs, 'x-kubernetes-validations').length).toBeGreaterThan(0);
    expect(v2.definitions['com.miloapis.bgp.v1alpha1.BGPPeer'].properties.spec.properties.holdTime.description).toMatch(/^HoldTime is the BGP hold timer/);

    const widget = syntheticKind({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          required: ['maybe', 'size'],
          properties: {
            maybe: { type: 'object', nullable: true, properties: { a: { type: 'string' } } },
            size: { type: 'string', allOf: [{ enum: ['S', 'M'] }], default: 'S' },
            free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'string' } } },
            port: { 'x-kubernetes-int-or-string': true },
          },
        },
      },
    });
    const spec = (buildOpenApiV2([widget]) as Json).definitions['com.example.v1.Widget'].properties.spec;
    expect(spec.required).toEqual(['size']);
    expect(spec.properties).toEqual({
      maybe: {},
      size: { type: 'string' },
      free: { 'x-kubernetes-preserve-unknown-fields': true },
      port: { 'x-kubernetes-int-or-string': true },
    });
  });
});

describe('OpenAPI v3 index', () => {
  it('links each group version by the uppercase SHA-512 of its document', () => {
    const index = buildOpenApiV3Index(kinds) as Json;
    expect(Object.keys(index.paths)).toEqual(['apis/bgp.miloapis.com/v1alpha1', 'apis/vpc.miloapis.com/v1alpha1']);
    for (const { group, version, doc } of v3ByGroupVersion) {
      const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
      expect(index.paths[`apis/${group}/${version}`]).toEqual({ serverRelativeURL: `/openapi/v3/apis/${group}/${version}?hash=${hash}` });
    }
  });
});

function syntheticKind(schema: KindDefinition['schema']): KindDefinition {
  return widgetKind(schema, { hasStatus: false });
}
