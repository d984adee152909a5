// `kubectl apply` (client-side) followed by `kubectl apply --server-side`, driven the way
// kubectl drives the server: client-side apply writes with field manager
// `kubectl-client-side-apply` and keeps the last-applied-configuration annotation; the
// server-side apply uses field manager `kubectl`.
import { describe, expect, it } from 'vitest';
import type { ManagedFieldsEntry } from '../../src/api/object-meta.js';
import type { KubeObject } from '../../src/api/object.js';
import { ApiError } from '../../src/meta/status.js';
import { applyJsonPatch, applyMergePatch } from '../../src/patch/index.js';
import { apply, FieldSet, LAST_APPLIED_ANNOTATION, updateManagedFields } from '../../src/registry/fieldmanager/index.js';
import { configOf, entryOf, fieldsOf, fullRouterSpec, managersOf, routerKind, T } from './support.js';

const CSA = 'kubectl-client-side-apply';

/** What kubectl writes into the annotation: the configuration as Go encodes it. */
function lastApplied(config: Record<string, unknown>): string {
  return `${JSON.stringify(config)}\n`;
}

/** `kubectl apply` of `config` creating the object, as kubectl sends it. */
function clientSideCreate(config: Record<string, unknown>): KubeObject {
  const body = structuredClone(config) as KubeObject;
  body.metadata.annotations = { [LAST_APPLIED_ANNOTATION]: lastApplied(config) };
  const created = updateManagedFields(undefined, body, { kind: routerKind, manager: CSA, time: T[0] });
  return { ...created, metadata: { ...created.metadata, uid: 'u-1', resourceVersion: '1' } };
}

/**
 * What kubectl 1.26+ sends before its first server-side apply (client-go's csaupgrade): a
 * JSON patch that turns the client-side-apply Update entry into kubectl's Apply entry.
 */
function kubectlUpgradePatch(object: KubeObject): unknown[] {
  const entries = structuredClone(object.metadata.managedFields ?? []);
  const isClientSide = (e: ManagedFieldsEntry) => e.manager === CSA && e.operation === 'Update' && !e.subresource;
  let target = entries.findIndex((e) => e.manager === 'kubectl' && e.operation === 'Apply' && !e.subresource);
  if (target < 0) {
    target = entries.findIndex(isClientSide);
    entries[target] = { ...entries[target]!, manager: 'kubectl', operation: 'Apply' };
  }
  const clientSide = entries.find((e) => isClientSide(e) && e.apiVersion === entries[target]!.apiVersion);
  if (clientSide) {
    entries[target]!.fieldsV1 = FieldSet.fromFieldsV1(entries[target]!.fieldsV1).union(FieldSet.fromFieldsV1(clientSide.fieldsV1)).toFieldsV1();
  }
  return [
    { op: 'replace', path: '/metadata/managedFields', value: entries.filter((e) => !isClientSide(e)) },
    { op: 'replace', path: '/metadata/resourceVersion', value: object.metadata.resourceVersion },
  ];
}

const serverSide = (time: string, manager = 'kubectl') => ({ kind: routerKind, manager, time });

describe('kubectl apply --server-side after kubectl apply', () => {
  const config = configOf(routerKind, { spec: fullRouterSpec() });

  it('takes over what client-side apply applied instead of conflicting with itself', () => {
    const live = clientSideCreate(config);
    const changed = configOf(routerKind, { spec: { ...fullRouterSpec(), localASN: 65001 } });
    const result = apply(live, changed, serverSide(T[1]));
    expect(result.spec).toMatchObject({ localASN: 65001 });
    expect(fieldsOf(result, 'kubectl')).toMatchObject({ 'f:spec': { 'f:localASN': {} } });
    expect(JSON.stringify(fieldsOf(result, CSA, 'Update'))).not.toContain('f:localASN');
  });

  it('still conflicts on fields someone else changed since', () => {
    const live = clientSideCreate(config);
    const edited = updateManagedFields(live, applyMergePatch(live, { spec: { routerID: '10.9.9.9' } }) as KubeObject, { kind: routerKind, manager: 'kubectl-edit', time: T[1] });
    const changed = configOf(routerKind, { spec: { ...fullRouterSpec(), localASN: 65001 } });
    let error: unknown;
    try {
      apply(edited, changed, serverSide(T[2]));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status.details?.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-edit" using bgp.miloapis.com/v1alpha1', field: '.spec.routerID' },
    ]);
  });

  it('is a courtesy to kubectl only: other appliers conflict with client-side apply', () => {
    const live = clientSideCreate(config);
    const changed = configOf(routerKind, { spec: { localASN: 65001 } });
    expect(() => apply(live, changed, serverSide(T[1], 'argocd'))).toThrow(/conflict with "kubectl-client-side-apply" using bgp.miloapis.com\/v1alpha1: \.spec\.localASN/);
  });

  it('keeps the last-applied annotation equal to what kubectl applied', () => {
    const live = clientSideCreate(config);
    const changed = configOf(routerKind, { spec: { ...fullRouterSpec(), localASN: 65001 } });
    const result = apply(live, changed, serverSide(T[1]));
    expect(result.metadata.annotations?.[LAST_APPLIED_ANNOTATION]).toBe(
      '{"apiVersion":"bgp.miloapis.com/v1alpha1","kind":"BGPRouter","metadata":{"name":"r1","namespace":"default"},"spec":{"addressFamilies":[{"afi":"ipv4","safi":"unicast"}],"localASN":65001,"roles":["fabric"],"routerID":"10.0.0.1","targetRef":{"kind":"Node","name":"node-1"}}}\n',
    );
    const neverClientSide = apply(undefined, changed, serverSide(T[1]));
    expect(neverClientSide.metadata.annotations).toBeUndefined();
  });

  it('with kubectl 1.26+, which first moves client-side ownership to kubectl, removes what the new configuration drops', () => {
    const live = clientSideCreate(config);
    const upgraded = updateManagedFields(live, applyJsonPatch(live, kubectlUpgradePatch(live)) as KubeObject, { kind: routerKind, manager: 'kubectl', time: T[1] });
    expect(managersOf(upgraded)).toEqual(['kubectl/Apply']);
    expect(entryOf(upgraded, 'kubectl')?.time).toBe(T[0]);

    const { roles: _, ...withoutRoles } = fullRouterSpec();
    const result = apply(upgraded, configOf(routerKind, { spec: withoutRoles }), serverSide(T[2]));
    expect(result.spec).toEqual(withoutRoles);
    expect(managersOf(result)).toEqual(['kubectl/Apply']);
  });

  it('without that step (older kubectl), leaves dropped fields to client-side apply', () => {
    const live = clientSideCreate(config);
    const { roles: _, ...withoutRoles } = fullRouterSpec();
    const result = apply(live, configOf(routerKind, { spec: withoutRoles }), serverSide(T[1]));
    expect(result.spec).toMatchObject({ roles: ['fabric'] });
    expect(fieldsOf(result, CSA, 'Update')).toMatchObject({ 'f:spec': { 'f:roles': { 'v:"fabric"': {} } } });
  });
});
