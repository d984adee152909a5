import { describe, expect, it } from 'vitest';
import { loadKinds } from '../../src/api/kinds.js';
import { isApiError } from '../../src/meta/status.js';
import { applyStrategicMergePatch, type PatchSchema } from '../../src/patch/index.js';

// A schema with every list flavour the strategic merge patch distinguishes.
const schema: PatchSchema = {
  properties: {
    metadata: { type: 'object' } as PatchSchema,
    spec: {
      properties: {
        atomic: { 'x-kubernetes-list-type': 'atomic', items: {} },
        plain: { items: {} },
        // Sets merge only when the schema publishes the merge strategy (kubectl reads it).
        tags: { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' },
        unstrategicSet: { 'x-kubernetes-list-type': 'set' },
        peers: {
          'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-patch-merge-key': 'name',
          items: { properties: { options: { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' } } },
        },
        ports: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port', 'protocol'], 'x-kubernetes-patch-strategy': 'merge' },
        replaced: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], 'x-kubernetes-patch-strategy': 'replace' },
        primitives: { 'x-kubernetes-patch-strategy': 'merge' },
        strategy: { 'x-kubernetes-patch-strategy': 'retainKeys', properties: { type: {}, rollingUpdate: {} } },
        selector: { 'x-kubernetes-map-type': 'atomic' },
        byName: { additionalProperties: { properties: { list: { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' } } } },
      },
    },
    status: {
      properties: {
        conditions: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
      },
    },
  },
};

const patch = (doc: unknown, p: unknown, s: PatchSchema | undefined = schema) => applyStrategicMergePatch(doc, p, s);

function badRequest(doc: unknown, p: unknown): string {
  try {
    patch(doc, p);
  } catch (err) {
    if (isApiError(err) && err.status.code === 400) return err.message;
    throw err;
  }
  throw new Error('the patch applied');
}

describe('applyStrategicMergePatch: maps', () => {
  it('merges maps recursively, null deletes, scalars and mismatched types replace', () => {
    const doc = { metadata: { labels: { a: '1', b: '2' } }, spec: { x: 1, y: { z: 1 }, keep: 'k', flip: [1] } };
    expect(patch(doc, { metadata: { labels: { b: null, c: '3' } }, spec: { x: 2, y: { w: 2 }, flip: { now: 'map' }, gone: null } })).toEqual({
      metadata: { labels: { a: '1', c: '3' } },
      spec: { x: 2, y: { z: 1, w: 2 }, keep: 'k', flip: { now: 'map' } },
    });
  });

  it('$patch: replace replaces a map, $patch: delete empties it, $patch: merge is the default', () => {
    const doc = { spec: { y: { a: 1, b: 2 }, z: { a: 1 }, m: { a: 1 } } };
    expect(patch(doc, { spec: { y: { $patch: 'replace', c: 3 }, z: { $patch: 'delete' }, m: { $patch: 'merge', b: 2 } } })).toEqual({
      spec: { y: { c: 3 }, z: {}, m: { a: 1, b: 2 } },
    });
  });

  it('replaces maps the schema marks atomic', () => {
    expect(patch({ spec: { selector: { a: '1' } } }, { spec: { selector: { b: '2' } } })).toEqual({ spec: { selector: { b: '2' } } });
  });

  it('follows additionalProperties into map values', () => {
    expect(patch({ spec: { byName: { x: { list: ['a'] } } } }, { spec: { byName: { x: { list: ['b'] } } } })).toEqual({
      spec: { byName: { x: { list: ['b', 'a'] } } },
    });
  });

  it('drops nulls and applies directives in values the document does not have yet', () => {
    expect(patch({}, { spec: { y: { a: null, b: 1, c: { $patch: 'replace', d: 1 } }, peers: [{ name: 'p', x: null }] } })).toEqual({
      spec: { y: { b: 1, c: { d: 1 } }, peers: [{ name: 'p' }] },
    });
  });

  it('$retainKeys clears the fields it does not list', () => {
    const doc = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
    expect(patch(doc, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } })).toEqual({ spec: { strategy: { type: 'Recreate' } } });
    expect(badRequest(doc, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 2 } } } })).toBe(
      'invalid strategic merge patch at spec.strategy: field "rollingUpdate" is set but not listed in $retainKeys',
    );
    expect(badRequest(doc, { spec: { strategy: { $retainKeys: 'type' } } })).toBe(
      'invalid strategic merge patch at spec.strategy.$retainKeys: must be a list of field names',
    );
  });
});

describe('applyStrategicMergePatch: lists', () => {
  it('replaces atomic lists and lists without schema metadata', () => {
    const doc = { spec: { atomic: [1, 2], plain: [{ a: 1 }], unknown: ['x'] } };
    expect(patch(doc, { spec: { atomic: [3], plain: [{ b: 2 }], unknown: ['y'] } })).toEqual({ spec: { atomic: [3], plain: [{ b: 2 }], unknown: ['y'] } });
  });

  it('merges list-type=map lists by key, updating in place; new elements follow the patch order', () => {
    const doc = {
      status: {
        conditions: [
          { type: 'Ready', status: 'False', reason: 'Init' },
          { type: 'Established', status: 'False' },
        ],
      },
    };
    expect(patch(doc, { status: { conditions: [{ type: 'Established', status: 'True' }] } })).toEqual({
      status: {
        conditions: [
          { type: 'Ready', status: 'False', reason: 'Init' },
          { type: 'Established', status: 'True' },
        ],
      },
    });
    expect(patch(doc, { status: { conditions: [{ type: 'Ready', reason: null, status: 'True' }, { type: 'New', status: 'True' }] } })).toEqual({
      status: {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'New', status: 'True' },
          { type: 'Established', status: 'False' },
        ],
      },
    });
  });

  it('interleaves the live-only elements by their live position', () => {
    const doc = { spec: { peers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } };
    expect(patch(doc, { spec: { peers: [{ name: 'x' }, { name: 'c', v: 1 }] } })).toEqual({
      spec: { peers: [{ name: 'x' }, { name: 'a' }, { name: 'b' }, { name: 'c', v: 1 }] },
    });
  });

  it('merges by x-kubernetes-patch-merge-key and recurses into matched elements', () => {
    const doc = { spec: { peers: [{ name: 'p1', asn: 1, options: ['a'] }, { name: 'p2', asn: 2 }] } };
    expect(patch(doc, { spec: { peers: [{ name: 'p1', asn: 10, options: ['b'] }] } })).toEqual({
      spec: { peers: [{ name: 'p1', asn: 10, options: ['b', 'a'] }, { name: 'p2', asn: 2 }] },
    });
  });

  it('$patch: delete removes the element with that key', () => {
    const doc = { spec: { peers: [{ name: 'p1' }, { name: 'p2' }, { name: 'p3' }] } };
    expect(patch(doc, { spec: { peers: [{ name: 'p2', $patch: 'delete' }] } })).toEqual({ spec: { peers: [{ name: 'p1' }, { name: 'p3' }] } });
    expect(patch(doc, { spec: { peers: [{ name: 'nope', $patch: 'delete' }] } })).toEqual(doc);
  });

  it('$patch: replace in a list replaces the whole list', () => {
    const doc = { spec: { peers: [{ name: 'p1', a: 1 }, { name: 'p2' }] } };
    expect(patch(doc, { spec: { peers: [{ $patch: 'replace' }, { name: 'p3', x: null }] } })).toEqual({ spec: { peers: [{ name: 'p3' }] } });
    expect(patch(doc, { spec: { atomic: [{ $patch: 'replace' }, 1] } })).toEqual({ spec: { ...doc.spec, atomic: [1] } });
  });

  it('merges on the tuple of all list-map-keys', () => {
    const doc = { spec: { ports: [{ port: 80, protocol: 'TCP', name: 'http' }, { port: 80, protocol: 'UDP' }] } };
    expect(patch(doc, { spec: { ports: [{ port: 80, protocol: 'UDP', name: 'quic' }, { port: 443, protocol: 'TCP' }] } })).toEqual({
      spec: {
        ports: [
          { port: 80, protocol: 'TCP', name: 'http' },
          { port: 80, protocol: 'UDP', name: 'quic' },
          { port: 443, protocol: 'TCP' },
        ],
      },
    });
    expect(badRequest(doc, { spec: { ports: [{ port: 80 }] } })).toBe(
      'invalid strategic merge patch at spec.ports[0]: must be an object with the merge key "port", "protocol"',
    );
  });

  it('an explicit replace strategy wins over list-type=map', () => {
    expect(patch({ spec: { replaced: [{ name: 'a' }] } }, { spec: { replaced: [{ name: 'b' }] } })).toEqual({ spec: { replaced: [{ name: 'b' }] } });
  });

  it('merges primitive lists as sets (list-type=set or patch strategy merge)', () => {
    const doc = { spec: { tags: ['a', 'b'], primitives: [1, 2] } };
    expect(patch(doc, { spec: { tags: ['b', 'c', 'c'], primitives: [3, 1] } })).toEqual({ spec: { tags: ['a', 'b', 'c'], primitives: [3, 1, 2] } });
    expect(patch(doc, { spec: { tags: ['c'] } })).toEqual({ spec: { tags: ['c', 'a', 'b'], primitives: [1, 2] } });
  });

  it('replaces sets and multi-key list-maps that publish no merge strategy, as kubectl expects', () => {
    const doc = { spec: { unstrategicSet: ['a', 'b'], conditions: [{ type: 'A' }] } };
    expect(patch(doc, { spec: { unstrategicSet: ['c'] } })).toEqual({ spec: { unstrategicSet: ['c'], conditions: [{ type: 'A' }] } });
    const multi: PatchSchema = { properties: { spec: { properties: { fams: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['afi', 'safi'] } } } } };
    const fams = { spec: { fams: [{ afi: 'ipv4', safi: 'unicast' }, { afi: 'ipv6', safi: 'unicast' }] } };
    expect(patch(fams, { spec: { fams: [{ afi: 'ipv6', safi: 'unicast' }] } }, multi)).toEqual({ spec: { fams: [{ afi: 'ipv6', safi: 'unicast' }] } });
  });

  it('$deleteFromPrimitiveList removes values from a merging primitive list', () => {
    const doc = { spec: { tags: ['a', 'b', 'c', 'b'] } };
    expect(patch(doc, { spec: { '$deleteFromPrimitiveList/tags': ['b', 'zz'] } })).toEqual({ spec: { tags: ['a', 'c'] } });
    expect(patch(doc, { spec: { '$deleteFromPrimitiveList/tags': ['a'], tags: ['d'] } })).toEqual({ spec: { tags: ['d', 'b', 'c'] } });
    expect(patch({ spec: {} }, { spec: { '$deleteFromPrimitiveList/tags': ['a'] } })).toEqual({ spec: {} });
    expect(badRequest(doc, { spec: { '$deleteFromPrimitiveList/tags': [{ a: 1 }] } })).toBe(
      'invalid strategic merge patch at spec.$deleteFromPrimitiveList/tags: must be a list of primitive values',
    );
  });

  it('$setElementOrder fixes the order of the merged list', () => {
    const doc = { spec: { peers: [{ name: 'a' }, { name: 'b' }], tags: ['x', 'y', 'z'] } };
    expect(
      patch(doc, {
        spec: {
          '$setElementOrder/peers': [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
          peers: [{ name: 'c', v: 1 }],
          '$setElementOrder/tags': ['z', 'x'],
        },
      }),
    ).toEqual({ spec: { peers: [{ name: 'a' }, { name: 'b' }, { name: 'c', v: 1 }], tags: ['y', 'z', 'x'] } });
    // Elements the order does not name keep their live position relative to named ones.
    expect(patch(doc, { spec: { '$setElementOrder/tags': ['z', 'y', 'x'] } })).toEqual({ spec: { ...doc.spec, tags: ['z', 'y', 'x'] } });
    expect(badRequest(doc, { spec: { '$setElementOrder/tags': 'z' } })).toBe('invalid strategic merge patch at spec.$setElementOrder/tags: must be a list');
  });

  it('rejects directives a list cannot honour', () => {
    expect(badRequest({}, { spec: { atomic: [{ $patch: 'delete', name: 'x' }] } })).toBe(
      'invalid strategic merge patch at spec.atomic: $patch: delete needs a list that merges by key',
    );
    expect(badRequest({}, { spec: { tags: [{ $patch: 'delete' }] } })).toContain('use $deleteFromPrimitiveList/');
    expect(badRequest({}, { spec: { peers: [{ $patch: 'delete' }] } })).toBe(
      'invalid strategic merge patch at spec.peers: must be an object with the merge key "name"',
    );
    expect(badRequest({}, { spec: { peers: ['p1'] } })).toBe('invalid strategic merge patch at spec.peers[0]: must be an object with the merge key "name"');
  });
});

describe('applyStrategicMergePatch: ObjectMeta is built in', () => {
  const doc = {
    metadata: {
      name: 'r1',
      labels: { a: '1' },
      finalizers: ['bgp.miloapis.com/agent'],
      ownerReferences: [{ uid: 'u1', kind: 'VPC', name: 'v' }],
      managedFields: [{ manager: 'kubectl' }],
    },
  };

  it('finalizers merge as a set and can be removed with $deleteFromPrimitiveList', () => {
    expect(patch(doc, { metadata: { finalizers: ['x/y'] } }).metadata).toMatchObject({ finalizers: ['x/y', 'bgp.miloapis.com/agent'] });
    expect(patch(doc, { metadata: { '$deleteFromPrimitiveList/finalizers': ['bgp.miloapis.com/agent'] } }).metadata).toMatchObject({ finalizers: [] });
  });

  it('ownerReferences merge by uid, labels merge, other lists replace', () => {
    const result = patch(doc, {
      metadata: { labels: { b: '2' }, ownerReferences: [{ uid: 'u1', controller: true }], managedFields: [{ manager: 'agent' }] },
    });
    expect(result.metadata).toEqual({
      name: 'r1',
      labels: { a: '1', b: '2' },
      finalizers: ['bgp.miloapis.com/agent'],
      ownerReferences: [{ uid: 'u1', kind: 'VPC', name: 'v', controller: true }],
      managedFields: [{ manager: 'agent' }],
    });
  });

  it('applies with no schema at all', () => {
    expect(patch(doc, { metadata: { finalizers: ['f'] } }, undefined).metadata).toMatchObject({ finalizers: ['f', 'bgp.miloapis.com/agent'] });
  });
});

describe('applyStrategicMergePatch: with the BGPRouter schema from openapi/', () => {
  it('merges status conditions by type', () => {
    const routerKind = loadKinds().find((k) => k.kind === 'BGPRouter')!;
    const doc = {
      apiVersion: 'bgp.miloapis.com/v1alpha1',
      kind: 'BGPRouter',
      metadata: { name: 'r1' },
      status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PeersEstablished', status: 'False' }] },
    };
    const result = patch(doc, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, routerKind.schema);
    expect(result.status).toEqual({ conditions: [{ type: 'Ready', status: 'True' }, { type: 'PeersEstablished', status: 'False' }] });
  });
});

describe('applyStrategicMergePatch: contract', () => {
  it('modifies neither argument and shares nothing with them', () => {
    const doc = { spec: { peers: [{ name: 'p1', opts: { a: 1 } }], y: { z: 1 } } };
    const p = { spec: { peers: [{ name: 'p2', opts: { b: 2 } }], w: { v: 1 } } };
    const docCopy = structuredClone(doc);
    const patchCopy = structuredClone(p);
    const result = patch(doc, p) as any;
    expect(doc).toEqual(docCopy);
    expect(p).toEqual(patchCopy);
    result.spec.y.z = 9;
    result.spec.w.v = 9;
    result.spec.peers[0].opts.b = 9;
    expect(doc).toEqual(docCopy);
    expect(p).toEqual(patchCopy);
  });

  it('rejects a patch that is not an object, and unknown $patch values', () => {
    expect(badRequest({}, [1])).toBe('a strategic merge patch must be a JSON object');
    expect(badRequest({}, { spec: { y: { $patch: 'explode' } } })).toBe(
      'invalid strategic merge patch at spec.y: unknown $patch directive "explode"; expected "replace", "delete" or "merge"',
    );
    expect(badRequest({}, { spec: { peers: [{ name: 'a', $patch: 'explode' }] } })).toContain('at spec.peers[0]: unknown $patch directive');
  });
});
