import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/object.js';
import { applyJsonPatch, applyMergePatch } from '../../src/patch/index.js';
import { apply, managerFromUserAgent, updateManagedFields, type WriteOptions } from '../../src/registry/fieldmanager/index.js';
import { entryOf, fieldsOf, fullRouterSpec, managersOf, routerKind, storedRouter, T } from './support.js';

const by = (manager: string, time: string, subresource = ''): WriteOptions => ({ kind: routerKind, manager, time, subresource });

function created(): KubeObject {
  const router = storedRouter(fullRouterSpec());
  router.metadata.labels = { app: 'edge' };
  return updateManagedFields(undefined, router, by('kubectl-create', T[0]));
}

describe('create', () => {
  it('gives the creator every field it set, in one Update entry', () => {
    const object = created();
    expect(object.metadata.managedFields).toEqual([
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'bgp.miloapis.com/v1alpha1',
        time: T[0],
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            '.': {},
            'f:addressFamilies': { '.': {}, 'k:{"afi":"ipv4","safi":"unicast"}': { '.': {}, 'f:afi': {}, 'f:safi': {} } },
            'f:localASN': {},
            'f:roles': { '.': {}, 'v:"fabric"': {} },
            'f:routerID': {},
            'f:targetRef': { '.': {}, 'f:kind': {}, 'f:name': {} },
          },
        },
      },
    ]);
  });

  it('never gives anyone the metadata the server sets', () => {
    const fields = fieldsOf(created(), 'kubectl-create', 'Update') as Record<string, Record<string, unknown>>;
    expect(Object.keys(fields)).toEqual(['f:metadata', 'f:spec']);
    expect(Object.keys(fields['f:metadata']!)).toEqual(['f:labels']);
  });

  it('records nothing for an object that sets nothing ownable', () => {
    const bare = { apiVersion: 'bgp.miloapis.com/v1alpha1', kind: 'BGPRouter', metadata: { name: 'r1' } } as KubeObject;
    expect(updateManagedFields(undefined, bare, by('kubectl-create', T[0])).metadata.managedFields).toBeUndefined();
  });

  it('does not modify its arguments', () => {
    const router = storedRouter(fullRouterSpec());
    const copy = structuredClone(router);
    updateManagedFields(undefined, router, by('kubectl-create', T[0]));
    expect(router).toEqual(copy);
  });
});

describe('updates and patches', () => {
  it('move a changed field to the writer and leave the rest with its owner', () => {
    const old = created();
    const next = applyMergePatch(old, { spec: { localASN: 65001 } }) as KubeObject;
    const updated = updateManagedFields(old, next, by('kubectl-patch', T[1]));
    expect(fieldsOf(updated, 'kubectl-patch', 'Update')).toEqual({ 'f:spec': { 'f:localASN': {} } });
    const creator = fieldsOf(updated, 'kubectl-create', 'Update') as Record<string, Record<string, unknown>>;
    expect(creator['f:spec']).not.toHaveProperty('f:localASN');
    expect(creator['f:spec']).toHaveProperty('f:routerID');
  });

  it('leave a removed field owned by nobody', () => {
    const old = created();
    const next = applyJsonPatch(old, [{ op: 'remove', path: '/metadata/labels' }]) as KubeObject;
    const updated = updateManagedFields(old, next, by('kubectl-patch', T[1]));
    expect(JSON.stringify(updated.metadata.managedFields)).not.toContain('f:labels');
    expect(entryOf(updated, 'kubectl-patch', 'Update')).toBeUndefined();
  });

  it('give list-map and set items to whoever added them, by key and by value', () => {
    const old = created();
    const next = structuredClone(old);
    const spec = next.spec as { addressFamilies: unknown[]; roles: string[] };
    spec.addressFamilies = [...spec.addressFamilies, { afi: 'l2vpn', safi: 'evpn' }];
    spec.roles = ['tenant', ...spec.roles];
    const updated = updateManagedFields(old, next, by('kubectl-patch', T[1]));
    expect(fieldsOf(updated, 'kubectl-patch', 'Update')).toEqual({
      'f:spec': {
        'f:addressFamilies': { 'k:{"afi":"l2vpn","safi":"evpn"}': { '.': {}, 'f:afi': {}, 'f:safi': {} } },
        'f:roles': { 'v:"tenant"': {} },
      },
    });
  });

  it('drop an entry whose manager no longer owns anything', () => {
    const old = created();
    const next = structuredClone(old);
    next.metadata.labels = { app: 'core' };
    const taken = updateManagedFields(old, next, by('labeller', T[1]));
    const retaken = updateManagedFields(taken, { ...taken, metadata: { ...taken.metadata, labels: { app: 'edge' } } }, by('relabeller', T[2]));
    expect(managersOf(retaken)).toEqual(['kubectl-create/Update', 'relabeller/Update']);
  });

  it('keep one entry per manager, adding to it and moving its time only when it changes something', () => {
    const old = created();
    const first = updateManagedFields(old, applyMergePatch(old, { spec: { localASN: 65001 } }) as KubeObject, by('tuner', T[1]));
    const second = updateManagedFields(first, applyMergePatch(first, { spec: { routerID: '10.0.0.9' } }) as KubeObject, by('tuner', T[2]));
    expect(entryOf(second, 'tuner', 'Update')).toMatchObject({ time: T[2], fieldsV1: { 'f:spec': { 'f:localASN': {}, 'f:routerID': {} } } });
    expect(entryOf(second, 'kubectl-create', 'Update')?.time).toBe(T[0]);
  });

  it('change nothing for a write that changes nothing', () => {
    const old = created();
    const again = updateManagedFields(old, structuredClone(old), by('kubectl-replace', T[3]));
    expect(again.metadata.managedFields).toEqual(old.metadata.managedFields);
    expect(JSON.stringify(again)).toBe(JSON.stringify(old));
  });

  it('list Apply entries first, then the others oldest first', () => {
    const old = created();
    const applied = apply(old, { apiVersion: 'bgp.miloapis.com/v1alpha1', kind: 'BGPRouter', metadata: { name: 'r1' }, spec: { localASN: 65000 } }, { ...by('gitops', T[1]) });
    const patched = updateManagedFields(applied, applyMergePatch(applied, { spec: { routerID: '10.0.0.2' } }) as KubeObject, by('a-late-patcher', T[2]));
    expect(managersOf(patched)).toEqual(['gitops/Apply', 'kubectl-create/Update', 'a-late-patcher/Update']);
  });

  it('fold the oldest of more than ten updaters into ancient-changes', () => {
    let object = created();
    for (let i = 0; i < 11; i++) {
      const next = applyMergePatch(object, { metadata: { labels: { [`l${i}`]: 'x' } } }) as KubeObject;
      object = updateManagedFields(object, next, by(`writer-${i}`, `2025-01-01T01:${String(i).padStart(2, '0')}:00Z`));
    }
    const managers = managersOf(object);
    expect(managers).toHaveLength(10);
    expect(managers).toContain('ancient-changes/Update');
    expect(managers).not.toContain('kubectl-create/Update');
    expect(managers).not.toContain('writer-0/Update');
    const ancient = JSON.stringify(fieldsOf(object, 'ancient-changes', 'Update'));
    expect(ancient).toContain('"f:l0"');
    expect(ancient).toContain('"f:localASN"');
  });
});

describe('status', () => {
  const withStatus = (object: KubeObject, status: unknown): KubeObject => ({ ...structuredClone(object), status });

  it('is owned under its own subresource entry, apart from spec', () => {
    const old = created();
    const agent = updateManagedFields(old, withStatus(old, { phase: 'Ready', observedGeneration: 1 }), by('agent', T[1], 'status'));
    expect(entryOf(agent, 'agent', 'Update', 'status')).toMatchObject({ subresource: 'status', fieldsV1: { 'f:status': { '.': {}, 'f:observedGeneration': {}, 'f:phase': {} } } });
    const spec = updateManagedFields(agent, applyMergePatch(agent, { spec: { localASN: 65010 } }) as KubeObject, by('agent', T[2]));
    expect(managersOf(spec)).toEqual(['kubectl-create/Update', 'agent/Update/status', 'agent/Update']);
    expect(fieldsOf(spec, 'agent', 'Update')).toEqual({ 'f:spec': { 'f:localASN': {} } });
  });

  it('is not owned through the main resource, and /status owns nothing else', () => {
    const old = created();
    const main = updateManagedFields(old, withStatus(old, { phase: 'Ready' }), by('sneaky', T[1]));
    expect(entryOf(main, 'sneaky', 'Update')).toBeUndefined();
    const status = updateManagedFields(old, applyMergePatch(old, { spec: { localASN: 1 } }) as KubeObject, by('sneaky', T[1], 'status'));
    expect(status.metadata.managedFields).toEqual(old.metadata.managedFields);
  });
});

describe('managedFields written by the client', () => {
  it('replace the stored ones on the main resource (kubectl rewrites them this way)', () => {
    const old = created();
    const next = structuredClone(old);
    next.metadata.managedFields = [{ ...next.metadata.managedFields![0]!, manager: 'renamed' }];
    expect(managersOf(updateManagedFields(old, next, by('kubectl-patch', T[1])))).toEqual(['renamed/Update']);
  });

  it('are cleared by an empty list or a single empty entry', () => {
    const old = created();
    for (const reset of [[], [{}]]) {
      const next = structuredClone(old);
      next.metadata.managedFields = reset;
      expect(updateManagedFields(old, next, by('kubectl-patch', T[1])).metadata.managedFields).toBeUndefined();
    }
  });

  it('are ignored when they cannot be decoded, when absent, or on a subresource', () => {
    const old = created();
    const garbage = structuredClone(old);
    garbage.metadata.managedFields = [{ manager: 'x', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV2' as 'FieldsV1' }];
    const absent = structuredClone(old);
    delete absent.metadata.managedFields;
    const viaStatus = structuredClone(old);
    viaStatus.metadata.managedFields = [];
    expect(updateManagedFields(old, garbage, by('p', T[1])).metadata.managedFields).toEqual(old.metadata.managedFields);
    expect(updateManagedFields(old, absent, by('p', T[1])).metadata.managedFields).toEqual(old.metadata.managedFields);
    expect(updateManagedFields(old, viaStatus, by('p', T[1], 'status')).metadata.managedFields).toEqual(old.metadata.managedFields);
  });
});

describe('managerFromUserAgent', () => {
  it.each([
    ['kubectl/v1.31.0 (linux/amd64) kubernetes/abc123', 'kubectl'],
    ['kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/1/system:serviceaccount', 'kube-controller-manager'],
    ['node-fetch', 'node-fetch'],
    ['tab\there/1.0', 'tabhere'],
    ['', ''],
    [`${'x'.repeat(200)}/1.0`, 'x'.repeat(128)],
  ])('%j gives %j', (userAgent, manager) => {
    expect(managerFromUserAgent(userAgent)).toBe(manager);
  });
});
