import { describe, expect, it } from 'vitest';
import type { KindDefinition } from '../../src/api/kinds.js';
import type { KubeObject } from '../../src/api/object.js';
import { ApiError } from '../../src/meta/status.js';
import { applyMergePatch } from '../../src/patch/index.js';
import { apply, updateManagedFields, type ApplyOptions } from '../../src/registry/fieldmanager/index.js';
import { configOf, entryOf, fieldsOf, fullRouterSpec, managersOf, policyKind, routerKind, storedRouter, T, vrfKind } from './support.js';

const as = (manager: string, time: string, extra: Partial<ApplyOptions> = {}): ApplyOptions => ({ kind: routerKind, manager, time, ...extra });
const router = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => configOf(routerKind, { spec }, metadata);

function rejection(run: () => unknown): ApiError {
  try {
    run();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected the apply to be rejected');
}

/** Stands in for the registry: what apply returns is stored, with server metadata. */
function stored(object: KubeObject): KubeObject {
  return { ...object, metadata: { uid: 'u-1', resourceVersion: '9', creationTimestamp: T[0], ...object.metadata } };
}

describe('apply of an absent object', () => {
  it('produces the object to create, owned by the applier without the server-set metadata', () => {
    const created = apply(undefined, router(fullRouterSpec(), { labels: { app: 'edge' } }), as('gitops', T[0]));
    expect(created.spec).toEqual(fullRouterSpec());
    expect(created.metadata.managedFields).toEqual([
      {
        manager: 'gitops',
        operation: 'Apply',
        apiVersion: 'bgp.miloapis.com/v1alpha1',
        time: T[0],
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:addressFamilies': { 'k:{"afi":"ipv4","safi":"unicast"}': { '.': {}, 'f:afi': {}, 'f:safi': {} } },
            'f:localASN': {},
            'f:roles': { 'v:"fabric"': {} },
            'f:routerID': {},
            'f:targetRef': { 'f:kind': {}, 'f:name': {} },
          },
        },
      },
    ]);
  });
});

describe('two managers', () => {
  const gitops = () => stored(apply(undefined, router({ localASN: 65000, routerID: '10.0.0.1', targetRef: { kind: 'Node', name: 'n1' } }), as('gitops', T[0])));

  it('applying disjoint fields each own their own', () => {
    const both = apply(gitops(), router({ roles: ['fabric'] }, { labels: { team: 'net' } }), as('labeller', T[1]));
    expect(both.spec).toEqual({ localASN: 65000, routerID: '10.0.0.1', targetRef: { kind: 'Node', name: 'n1' }, roles: ['fabric'] });
    expect(both.metadata.labels).toEqual({ team: 'net' });
    expect(fieldsOf(both, 'labeller')).toEqual({ 'f:metadata': { 'f:labels': { 'f:team': {} } }, 'f:spec': { 'f:roles': { 'v:"fabric"': {} } } });
    expect(fieldsOf(both, 'gitops')).toEqual({ 'f:spec': { 'f:localASN': {}, 'f:routerID': {}, 'f:targetRef': { 'f:kind': {}, 'f:name': {} } } });
  });

  it('applying the same value to a field share it without conflict', () => {
    const shared = apply(gitops(), router({ localASN: 65000 }), as('auditor', T[1]));
    expect(fieldsOf(shared, 'auditor')).toEqual({ 'f:spec': { 'f:localASN': {} } });
    expect(fieldsOf(shared, 'gitops')).toMatchObject({ 'f:spec': { 'f:localASN': {} } });
  });

  it('applying a different value conflict, with one cause per field', () => {
    const error = rejection(() => apply(gitops(), router({ localASN: 65001, routerID: '10.0.0.2', roles: ['fabric'] }), as('other', T[1])));
    expect(error.status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Apply failed with 2 conflicts: conflict with "gitops":\n- .spec.localASN\n- .spec.routerID',
      reason: 'Conflict',
      details: {
        causes: [
          { reason: 'FieldManagerConflict', message: 'conflict with "gitops"', field: '.spec.localASN' },
          { reason: 'FieldManagerConflict', message: 'conflict with "gitops"', field: '.spec.routerID' },
        ],
      },
      code: 409,
    });
  });

  it('name an Update owner with the apiVersion it used', () => {
    const live = gitops();
    const scaled = updateManagedFields(live, applyMergePatch(live, { spec: { localASN: 65100 } }) as KubeObject, { kind: routerKind, manager: 'kubectl-edit', time: T[1] });
    const error = rejection(() => apply(scaled, router({ localASN: 65000, routerID: '10.0.0.1', targetRef: { kind: 'Node', name: 'n1' } }), as('gitops', T[2])));
    expect(error.status.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-edit" using bgp.miloapis.com/v1alpha1: .spec.localASN');
    expect(error.status.details?.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-edit" using bgp.miloapis.com/v1alpha1', field: '.spec.localASN' },
    ]);
  });

  it('with force, the applier takes the conflicting fields and the owner keeps the rest', () => {
    const forced = apply(gitops(), router({ localASN: 65001 }), as('other', T[1], { force: true }));
    expect(forced.spec).toMatchObject({ localASN: 65001 });
    expect(fieldsOf(forced, 'other')).toEqual({ 'f:spec': { 'f:localASN': {} } });
    expect(fieldsOf(forced, 'gitops')).toEqual({ 'f:spec': { 'f:routerID': {}, 'f:targetRef': { 'f:kind': {}, 'f:name': {} } } });
  });
});

describe('fields a manager stops applying', () => {
  const first = () => stored(apply(undefined, router({ localASN: 65000, routerID: '10.0.0.1', targetRef: { kind: 'Node', name: 'n1' } }, { labels: { a: '1', b: '2' } }), as('gitops', T[0])));

  it('are removed when nobody else owns them, whole structs included', () => {
    const next = apply(first(), router({ localASN: 65000 }, { labels: { a: '1' } }), as('gitops', T[1]));
    expect(next.spec).toEqual({ localASN: 65000 });
    expect(next.metadata.labels).toEqual({ a: '1' });
    expect(next.metadata).toMatchObject({ name: 'r1', uid: 'u-1' });
  });

  it('stay when another applier co-owns them', () => {
    const shared = stored(apply(first(), router({ routerID: '10.0.0.1' }), as('auditor', T[1])));
    const next = apply(shared, router({ localASN: 65000, targetRef: { kind: 'Node', name: 'n1' } }, { labels: { a: '1', b: '2' } }), as('gitops', T[2]));
    expect(next.spec).toMatchObject({ routerID: '10.0.0.1' });
    expect(fieldsOf(next, 'auditor')).toEqual({ 'f:spec': { 'f:routerID': {} } });
    expect(JSON.stringify(fieldsOf(next, 'gitops'))).not.toContain('routerID');
  });

  it('stay when an updater owns them', () => {
    const live = first();
    const edited = updateManagedFields(live, applyMergePatch(live, { spec: { targetRef: { name: 'n2' } } }) as KubeObject, { kind: routerKind, manager: 'kubectl-edit', time: T[1] });
    const next = apply(edited, router({ localASN: 65000, routerID: '10.0.0.1' }, { labels: { a: '1', b: '2' } }), as('gitops', T[2]));
    expect(next.spec).toEqual({ localASN: 65000, routerID: '10.0.0.1', targetRef: { name: 'n2' } });
  });

  it('leave fields nobody owns alone', () => {
    const live = first();
    (live.spec as Record<string, unknown>).roles = ['transit']; // written before managedFields were kept
    const next = apply(live, router({ localASN: 65000, targetRef: { kind: 'Node', name: 'n1' } }, { labels: { a: '1', b: '2' } }), as('gitops', T[1]));
    expect(next.spec).toEqual({ localASN: 65000, targetRef: { kind: 'Node', name: 'n1' }, roles: ['transit'] });
  });
});

describe('lists and maps follow the schema', () => {
  const v4 = { afi: 'ipv4', safi: 'unicast' };
  const evpn = { afi: 'l2vpn', safi: 'evpn' };

  it('list-map items (addressFamilies by afi+safi) merge by key and are owned per item', () => {
    const one = stored(apply(undefined, router({ addressFamilies: [v4] }), as('underlay', T[0])));
    const two = stored(apply(one, router({ addressFamilies: [evpn] }), as('overlay', T[1])));
    expect(two.spec).toEqual({ addressFamilies: [v4, evpn] });
    const dropped = apply(two, router({ roles: ['fabric'] }), as('underlay', T[2]));
    expect(dropped.spec).toEqual({ addressFamilies: [evpn], roles: ['fabric'] });
    expect(fieldsOf(dropped, 'overlay')).toEqual({ 'f:spec': { 'f:addressFamilies': { 'k:{"afi":"l2vpn","safi":"evpn"}': { '.': {}, 'f:afi': {}, 'f:safi': {} } } } });
  });

  it('keep live order for items the configuration does not name, and its order for those it does', () => {
    const live = stored(apply(undefined, router({ roles: ['fabric', 'tenant'] }), as('a', T[0])));
    expect(apply(live, router({ roles: ['transit', 'fabric'] }), as('b', T[1])).spec).toEqual({ roles: ['transit', 'fabric', 'tenant'] });
    expect(apply(live, router({ roles: ['tenant', 'fabric'] }), as('a', T[1])).spec).toEqual({ roles: ['tenant', 'fabric'] });
  });

  it('set items (roles) are unioned across managers and removed only by their owner', () => {
    const one = stored(apply(undefined, router({ roles: ['fabric'] }), as('a', T[0])));
    const two = stored(apply(one, router({ roles: ['tenant', 'fabric'] }), as('b', T[1])));
    expect(two.spec).toEqual({ roles: ['tenant', 'fabric'] });
    expect(apply(two, router({}), as('a', T[2])).spec).toEqual({ roles: ['tenant', 'fabric'] });
    expect(apply(two, router({ roles: ['fabric'] }), as('b', T[2])).spec).toEqual({ roles: ['fabric'] });
  });

  it('policy terms merge by sequence, and a conflict names the term', () => {
    const policy = (terms: unknown[]) => configOf(policyKind, { spec: { terms } }, { name: 'p1' });
    const term = (sequence: number, action: string) => ({ sequence, action, match: { any: true } });
    const options = (manager: string, time: string, force = false) => ({ kind: policyKind, manager, time, force });
    const one = stored(apply(undefined, policy([term(10, 'permit')]), options('a', T[0])));
    const two = stored(apply(one, policy([term(20, 'deny')]), options('b', T[1])));
    expect((two.spec as { terms: unknown[] }).terms).toEqual([term(10, 'permit'), term(20, 'deny')]);
    const error = rejection(() => apply(two, policy([term(20, 'permit')]), options('a', T[2])));
    expect(error.status.details?.causes).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "b"', field: '.spec.terms[sequence=20].action' }]);
  });

  it('atomic lists (an AS path) are owned and replaced whole', () => {
    const withPath = (replace: number[]) =>
      configOf(policyKind, { spec: { terms: [{ sequence: 10, action: 'permit', match: { any: true }, set: { asPath: { replace } } }] } }, { name: 'p1' });
    const one = stored(apply(undefined, withPath([65001, 65001, 65002]), { kind: policyKind, manager: 'a', time: T[0] }));
    const error = rejection(() => apply(one, withPath([65003]), { kind: policyKind, manager: 'b', time: T[1] }));
    expect(error.status.details?.causes?.map((c) => c.field)).toEqual(['.spec.terms[sequence=10].set.asPath.replace']);
    const forced = apply(one, withPath([65003]), { kind: policyKind, manager: 'b', time: T[1], force: true });
    expect(JSON.stringify(forced.spec)).toContain('"replace":[65003]');
  });

  it('maps are granular unless x-kubernetes-map-type is atomic', () => {
    const one = stored(apply(undefined, router({ targetRef: { kind: 'Node', name: 'n1' } }), as('a', T[0])));
    const granular = apply(one, router({ targetRef: { kind: 'Node' } }), as('b', T[1]));
    expect(fieldsOf(granular, 'b')).toEqual({ 'f:spec': { 'f:targetRef': { 'f:kind': {} } } });

    const atomicKind = structuredClone(routerKind) as KindDefinition;
    atomicKind.schema.properties!.spec!.properties!.targetRef!['x-kubernetes-map-type'] = 'atomic';
    const atomicOne = stored(apply(undefined, router({ targetRef: { kind: 'Node', name: 'n1' } }), { kind: atomicKind, manager: 'a', time: T[0] }));
    expect(fieldsOf(atomicOne, 'a')).toEqual({ 'f:spec': { 'f:targetRef': {} } });
    const error = rejection(() => apply(atomicOne, router({ targetRef: { kind: 'Node' } }), { kind: atomicKind, manager: 'b', time: T[1] }));
    expect(error.status.details?.causes?.map((c) => c.field)).toEqual(['.spec.targetRef']);
    const replaced = apply(atomicOne, router({ targetRef: { kind: 'Node' } }), { kind: atomicKind, manager: 'b', time: T[1], force: true });
    expect(replaced.spec).toEqual({ targetRef: { kind: 'Node' } });
  });
});

describe('status', () => {
  const vrf = (status: Record<string, unknown>) => configOf(vrfKind, { status }, { name: 'v1' });
  const routerStatus = (routerName: string) => ({ routerName, conditions: [condition('Ready')] });
  const agent = (node: string, time: string) => ({ kind: vrfKind, manager: `cosmos-agent/${node}`, time, subresource: 'status' });
  const condition = (type: string) => ({ type, status: 'True', reason: 'Up', message: '', lastTransitionTime: T[0] });
  const live = () => stored(configOf(vrfKind, { spec: { routeDistinguisher: '65000:100' } }, { name: 'v1' }) as KubeObject);

  it('is shared by agents applying their own list-map entries under the status subresource', () => {
    const one = stored(apply(live(), vrf({ routers: [routerStatus('node-1')] }), agent('node-1', T[1])));
    const two = apply(one, vrf({ routers: [routerStatus('node-2')] }), agent('node-2', T[2]));
    expect((two.status as { routers: { routerName: string }[] }).routers.map((r) => r.routerName)).toEqual(['node-1', 'node-2']);
    expect(managersOf(two)).toEqual(['cosmos-agent/node-1/Apply/status', 'cosmos-agent/node-2/Apply/status']);
    expect(fieldsOf(two, 'cosmos-agent/node-2', 'Apply', 'status')).toMatchObject({ 'f:status': { 'f:routers': { 'k:{"routerName":"node-2"}': {} } } });
  });

  it('owned under /status does not conflict with applies to the main resource, and /status owns nothing else', () => {
    const withStatus = stored(apply(live(), vrf({ conditions: [condition('Ready')] }), agent('node-1', T[1])));
    const main = apply(withStatus, configOf(vrfKind, { spec: { routeDistinguisher: '65000:200' }, status: { conditions: [condition('Stale')] } }, { name: 'v1' }), {
      kind: vrfKind,
      manager: 'gitops',
      time: T[2],
    });
    expect(fieldsOf(main, 'gitops')).toEqual({ 'f:spec': { 'f:routeDistinguisher': {} } });
    expect(entryOf(main, 'cosmos-agent/node-1', 'Apply', 'status')).toBeDefined();
    const status = apply(withStatus, configOf(vrfKind, { spec: { routeDistinguisher: '65000:300' }, status: { conditions: [condition('Synced')] } }, { name: 'v1' }), agent('node-2', T[2]));
    expect(fieldsOf(status, 'cosmos-agent/node-2', 'Apply', 'status')).toEqual({
      'f:status': { 'f:conditions': { 'k:{"type":"Synced"}': { '.': {}, 'f:lastTransitionTime': {}, 'f:message': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} } } },
    });
  });
});

describe('an apply that changes nothing', () => {
  it('leaves managedFields exactly as they were', () => {
    const once = stored(apply(undefined, router(fullRouterSpec()), as('gitops', T[0])));
    const twice = apply(once, router(fullRouterSpec()), as('gitops', T[3]));
    expect(twice.metadata.managedFields).toEqual(once.metadata.managedFields);
    expect(twice).toEqual(once);
  });

  it('on the fields this write may own does not move the time either', () => {
    const once = stored(apply(undefined, router(fullRouterSpec()), as('gitops', T[0])));
    const withStatus = apply(once, configOf(routerKind, { spec: fullRouterSpec(), status: { phase: 'Exported' } }), as('gitops', T[3]));
    expect(withStatus.metadata.managedFields).toEqual(once.metadata.managedFields);
  });

  it('unlike one that changes a field the applier already owns', () => {
    const once = stored(apply(undefined, router(fullRouterSpec()), as('gitops', T[0])));
    const changed = apply(once, router({ ...fullRouterSpec(), localASN: 65009 }), as('gitops', T[3]));
    expect(entryOf(changed, 'gitops')).toMatchObject({ time: T[3], fieldsV1: fieldsOf(once, 'gitops') });
  });
});

describe('configurations that cannot be applied', () => {
  const live = () => storedRouter(fullRouterSpec());

  it.each([
    ['another kind', { ...router({}), kind: 'BGPPeer' }, 'invalid object type: bgp.miloapis.com/v1alpha1, Kind=BGPPeer'],
    ['another version', { ...router({}), apiVersion: 'bgp.miloapis.com/v1' }, 'Incorrect version specified in apply patch. Specified patch version: bgp.miloapis.com/v1, expected: bgp.miloapis.com/v1alpha1'],
    ['managedFields', router({}, { managedFields: [] }), 'metadata.managedFields must be nil'],
    [
      'a list-map item without its key',
      router({ addressFamilies: [{ afi: 'ipv4' }] }),
      'failed to create typed patch object (default/r1; bgp.miloapis.com/v1alpha1, Kind=BGPRouter): .spec.addressFamilies: element 0: associative list with keys has an element that omits key field "safi" (and doesn\'t have default value)',
    ],
    [
      'repeated set items',
      router({ roles: ['fabric', 'fabric'] }),
      'failed to create typed patch object (default/r1; bgp.miloapis.com/v1alpha1, Kind=BGPRouter): .spec.roles: duplicate entries for key [="fabric"]',
    ],
  ])('are refused with 400: %s', (_, config, message) => {
    const error = rejection(() => apply(live(), config, as('gitops', T[1])));
    expect(error.status).toMatchObject({ code: 400, reason: 'BadRequest', message });
  });
});
