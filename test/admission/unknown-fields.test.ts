// Fields the schema does not name: dropped and warned about by default, refused with
// fieldValidation=Strict, dropped silently with Ignore; metadata held to ObjectMeta.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/object.js';
import { ApiError } from '../../src/meta/status.js';
import { admit, fabricExportPolicy, newAdmission, underlayRouter } from './fixtures.js';

const admission = newAdmission();

function withUnknownFields(): KubeObject {
  const router = structuredClone(underlayRouter) as KubeObject & { spec: Record<string, unknown> };
  router.spec.foo = 1;
  router.spec.targetRef = { ...(router.spec.targetRef as object), namespace: 'kube-system' };
  (router.spec.addressFamilies as Record<string, unknown>[])[0]!.vrf = 'blue';
  (router.metadata as Record<string, unknown>).color = 'red';
  router.extra = true;
  return router;
}

const UNKNOWN = ['metadata.color', 'spec.foo', 'spec.targetRef.namespace', 'spec.addressFamilies[0].vrf', 'extra'];

describe('fieldValidation', () => {
  it('Warn (the default) prunes every unknown field and warns about each', async () => {
    const { object, warnings } = await admit(admission, { object: withUnknownFields() });
    expect(warnings.sort()).toEqual(UNKNOWN.map((p) => `unknown field "${p}"`).sort());
    expect(object).toEqual(underlayRouter);
  });

  it('Ignore prunes them without a word', async () => {
    const { object, warnings } = await admit(admission, { object: withUnknownFields(), fieldValidation: 'Ignore' });
    expect(warnings).toEqual([]);
    expect(object).toEqual(underlayRouter);
  });

  it('Strict refuses the request with 400 BadRequest naming all of them', async () => {
    const error = await admit(admission, { object: withUnknownFields(), fieldValidation: 'Strict' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const status = (error as ApiError).status;
    expect(status).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(status.message).toMatch(/^BGPRouter in version "v1alpha1" cannot be handled as a BGPRouter: strict decoding error: unknown field "/);
    for (const path of UNKNOWN) expect(status.message).toContain(`unknown field "${path}"`);
  });

  it('Strict accepts an object without unknown fields', async () => {
    await expect(admit(admission, { object: fabricExportPolicy, fieldValidation: 'Strict' })).resolves.toMatchObject({ warnings: [] });
  });

  it('keeps every ObjectMeta field and the open fieldsV1 of managedFields', async () => {
    const router = structuredClone(underlayRouter);
    Object.assign(router.metadata, {
      uid: 'b1c1e0c2-1111-4222-8333-944445555666',
      resourceVersion: '12',
      generation: 3,
      creationTimestamp: '2024-05-01T10:00:00Z',
      annotations: { 'example.com/note': 'hello' },
      finalizers: ['cosmos.miloapis.com/agent'],
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: 'c2', controller: true }],
      managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'bgp.miloapis.com/v1alpha1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:localASN': {} } } }],
    });
    const { object, warnings } = await admit(admission, { object: router, fieldValidation: 'Strict' });
    expect(warnings).toEqual([]);
    expect(object).toEqual(router);
  });

  it('on a status write, looks at status only', async () => {
    const old = structuredClone(underlayRouter);
    const next = structuredClone(underlayRouter);
    next.status = { phase: 'Ready', uptime: '5m' };
    const { object, warnings } = await admit(admission, { object: next, oldObject: old, subresource: 'status' });
    expect(warnings).toEqual(['unknown field "status.uptime"']);
    expect(object.status).toEqual({ phase: 'Ready' });
  });
});
