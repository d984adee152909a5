// Writes to /status are judged on status alone: what the agent reports is validated, and
// a spec that fails today's rules (stored before they existed) never blocks it.
import { describe, expect, it } from 'vitest';
import { admit, causeLines, COVERAGE, newAdmission, rejection, underlayRouter } from './fixtures.js';

const admission = newAdmission();

const reported = {
  phase: 'Ready',
  peers: { total: 1, established: 1 },
  conditions: [{ type: 'Ready', status: 'True', reason: 'PeersEstablished', message: '1/1 peers up', lastTransitionTime: '2024-05-01T10:00:00Z' }],
};

describe('status writes', () => {
  it('accept a valid status even when the stored spec is invalid', async () => {
    const stored = structuredClone(underlayRouter);
    Object.assign(stored.spec as object, { localASN: 0, addressFamilies: [{ afi: 'ipv4', safi: 'evpn' }], routerID: 'router-1' });
    stored.metadata.name = 'Invalid_Name';
    const next = { ...structuredClone(stored), status: reported };
    await expect(admit(admission, { object: next, oldObject: stored, subresource: 'status' })).resolves.toMatchObject({ warnings: [] });
  });

  it('refuse an invalid status, naming its fields', async () => {
    const next = { ...structuredClone(underlayRouter), status: { ...reported, peers: { total: 1 }, conditions: [{ ...reported.conditions[0], status: 'Maybe' }] } };
    const { causes } = await rejection(admission, { object: next, oldObject: underlayRouter, subresource: 'status' });
    expect(causeLines(causes)).toEqual([
      'status.peers.established: Required value',
      'status.conditions[0].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"',
      '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  it('run the CEL rules declared inside status', async () => {
    const vrf = COVERAGE.BGPVRFInstance![0]!;
    const next = structuredClone(vrf);
    const router = (next.status as { routers: { resolvedConfig: { addressFamilies: unknown[] } }[] }).routers[0]!;
    router.resolvedConfig.addressFamilies = [{ afi: 'ipv6', safi: 'evpn' }];
    const { causes } = await rejection(admission, { object: next, oldObject: vrf, subresource: 'status' });
    expect(causeLines(causes)).toEqual(['status.routers[0].resolvedConfig.addressFamilies[0]: Invalid value: "object": IPv6 only supports unicast SAFI']);
  });

  it('leave an object without status alone', async () => {
    const { object } = await admit(admission, { object: underlayRouter, oldObject: underlayRouter, subresource: 'status' });
    expect(object).toEqual(underlayRouter);
  });
});
