// Objects people actually write are accepted; the reference samples fare as the CRDs say.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../src/api/object.js';
import { admit, causeLines, COVERAGE, fabricExportPolicy, fabricPeerWithTimers, newAdmission, REALISTIC, REFERENCE_DIR, rejection, underlayRouter } from './fixtures.js';

const admission = newAdmission();

function sample(name: string): KubeObject {
  return parse(readFileSync(join(REFERENCE_DIR, 'samples', name), 'utf8')) as KubeObject;
}

const SKIPPED_RULES = '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

describe('realistic objects', () => {
  it.each(REALISTIC.map((o) => [`${o.kind} ${o.metadata.name}`, o] as const))('accepts %s', async (_, object) => {
    const { object: admitted, warnings } = await admit(admission, { object });
    expect(warnings).toEqual([]);
    expect(admitted).toEqual(object);
  });

  it.each(Object.values(COVERAGE).flat().map((o) => [`${o.kind} ${o.metadata.name}`, o] as const))('accepts coverage object %s', async (_, object) => {
    await expect(admit(admission, { object })).resolves.toBeDefined();
  });
});

describe('reference samples', () => {
  it('rejects the device sample: it has no addressFamilies', async () => {
    const { message, causes } = await rejection(admission, { object: sample('bgp.miloapis.com_v1alpha1_bgprouter_device.yaml') });
    expect(causeLines(causes)).toEqual(['spec.addressFamilies: Required value', SKIPPED_RULES]);
    expect(message).toBe(`BGPRouter.bgp.miloapis.com "rr-1" is invalid: [spec.addressFamilies: Required value, ${SKIPPED_RULES}]`);
  });

  // The node sample lacks addressFamilies too, which the CRD requires: the CRD rejects it,
  // and so do we. With the field it would lack, it is accepted.
  it('rejects the node sample for the same reason, and accepts it once it names its address families', async () => {
    const node = sample('bgp.miloapis.com_v1alpha1_bgprouter_node.yaml');
    const { causes } = await rejection(admission, { object: node });
    expect(causeLines(causes)).toEqual(['spec.addressFamilies: Required value', SKIPPED_RULES]);
    (node.spec as Record<string, unknown>).addressFamilies = [{ afi: 'ipv4', safi: 'unicast' }];
    await expect(admit(admission, { object: node })).resolves.toMatchObject({ warnings: [] });
  });
});

describe('addresses', () => {
  it('rejects 2001:db8:fabric::1 ("fabric" is not hex) where an IP is required', async () => {
    const peer = structuredClone(fabricPeerWithTimers);
    (peer.spec as Record<string, unknown>).address = '2001:db8:fabric::1';
    const { causes } = await rejection(admission, { object: peer });
    expect(causeLines(causes)).toEqual(['spec.address: Invalid value: "string": address must be a valid IPv4 or IPv6 address']);
  });

  it('rejects it as a router ID, whose format is ipv4', async () => {
    const router = structuredClone(underlayRouter);
    (router.spec as Record<string, unknown>).routerID = '2001:db8:fabric::1';
    const { causes } = await rejection(admission, { object: router });
    expect(causeLines(causes)).toEqual([
      'spec.routerID: Invalid value: "2001:db8:fabric::1": spec.routerID in body must be of type ipv4: "2001:db8:fabric::1"',
      SKIPPED_RULES,
    ]);
  });
});

describe('objects at the CRDs\' size limits', () => {
  it('accepts a policy with every list at its maximum, within the CEL cost budget', async () => {
    const prefixes = Array.from({ length: 256 }, (_, i) => `10.${i}.0.0/16`);
    const communities = Array.from({ length: 32 }, (_, i) => `65000:${i}`);
    const policy = structuredClone(fabricExportPolicy);
    (policy.spec as Record<string, unknown>).terms = Array.from({ length: 32 }, (_, i) => ({
      sequence: i + 1,
      action: 'permit',
      match: { prefixList: prefixes, communityMatch: communities, asPathFilter: { pattern: `_${'6'.repeat(254)}`, matchType: 'contains' } },
      set: { communities: { add: communities }, extCommunities: { add: communities, remove: communities } },
    }));
    const started = performance.now();
    await expect(admit(admission, { object: policy })).resolves.toMatchObject({ warnings: [] });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('errors', () => {
  it('reports every error of an object at once, in one Status', async () => {
    const router = structuredClone(underlayRouter);
    Object.assign(router.spec as object, { localASN: 0, roles: ['spine'], addressFamilies: [{ afi: 'ipv4', safi: 'evpn' }] });
    router.metadata.name = 'Node_1';
    const { message, causes } = await rejection(admission, { object: router });
    expect(causeLines(causes)).toEqual([
      expect.stringMatching(/^metadata\.name: Invalid value: "Node_1": a lowercase RFC 1123 subdomain must consist of/),
      'spec.roles[0]: Unsupported value: "spine": supported values: "fabric", "tenant", "transit"',
      'spec.localASN: Invalid value: 0: spec.localASN in body should be greater than or equal to 1',
      SKIPPED_RULES,
    ]);
    expect(message).toMatch(/^BGPRouter\.bgp\.miloapis\.com "Node_1" is invalid: \[metadata\.name: .*, spec\.roles\[0\]: .*, spec\.localASN: .*, <nil>: .*\]$/);
  });

  it('reports schema and CEL errors together when the schema errors leave the shape intact', async () => {
    const router = structuredClone(underlayRouter);
    Object.assign(router.spec as object, { localASN: 0, addressFamilies: [{ afi: 'ipv4', safi: 'evpn' }] });
    const { causes } = await rejection(admission, { object: router });
    expect(causeLines(causes)).toEqual([
      'spec.localASN: Invalid value: 0: spec.localASN in body should be greater than or equal to 1',
      'spec.addressFamilies[0]: Invalid value: "object": IPv4 only supports unicast SAFI',
    ]);
  });

  it('rejects a fractional number where an integer is required, as kube does', async () => {
    const router = structuredClone(underlayRouter);
    (router.spec as Record<string, unknown>).localASN = 65000.5;
    const { causes } = await rejection(admission, { object: router });
    expect(causeLines(causes)).toContain('spec.localASN: Invalid value: "number": spec.localASN in body must be of type integer: "number"');
  });
});
