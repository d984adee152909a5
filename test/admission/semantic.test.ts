// Checks beyond what the CRDs can say: canonical, disjoint VPC networks; fields that
// cannot change after create; attachment addresses inside their VPC's networks.
import { plan, parse } from '@bufbuild/cel';
import { describe, expect, it } from 'vitest';
import { createCelEnvironment } from '../../src/admission/cel/environment.js';
import type { ObjectLookup } from '../../src/admission/types.js';
import type { KubeObject } from '../../src/api/object.js';
import { admit, blueAttachment, causeLines, dualStackVpc, newAdmission, rejection, underlayRouter } from './fixtures.js';

const admission = newAdmission();
type Spec = Record<string, any>;

function vpcWith(networks: string[]): KubeObject {
  return { ...structuredClone(dualStackVpc), spec: { networks } };
}

describe('VPC networks', () => {
  it('rejects 10.0.0.1/24 in the semantic layer: the CRD rule (isCIDR) accepts it', async () => {
    const crdRule = plan(createCelEnvironment(), parse('self.networks.all(n, isCIDR(n))').expr);
    expect(crdRule({ self: { networks: ['10.0.0.1/24'] } })).toBe(true);
    const { causes } = await rejection(admission, { object: vpcWith(['10.0.0.1/24']) });
    expect(causeLines(causes)).toEqual(['spec.networks[0]: Invalid value: "10.0.0.1/24": host bits are set: the network is "10.0.0.0/24"']);
  });

  it('names the canonical text of a network written otherwise', async () => {
    const { causes } = await rejection(admission, { object: vpcWith(['10.10.0.0/16', 'FD00:0010::/48']) });
    expect(causeLines(causes)).toEqual(['spec.networks[1]: Invalid value: "FD00:0010::/48": must be written in canonical form "fd00:10::/48"']);
  });

  it('rejects networks that overlap an earlier one, and repeats', async () => {
    const { causes } = await rejection(admission, { object: vpcWith(['10.0.0.0/16', '10.0.128.0/17', 'fd00::/48', '10.0.0.0/16', '10.0.0.0/8']) });
    // networks is a set, so the structural step reports the repeat first.
    expect(causeLines(causes)).toEqual([
      'spec.networks[3]: Duplicate value: "10.0.0.0/16"',
      'spec.networks[1]: Invalid value: "10.0.128.0/17": overlaps spec.networks[0] ("10.0.0.0/16")',
      'spec.networks[4]: Invalid value: "10.0.0.0/8": overlaps spec.networks[0] ("10.0.0.0/16")',
    ]);
  });

  it('accepts disjoint networks of both families', async () => {
    await expect(admit(admission, { object: vpcWith(['10.0.0.0/16', '10.1.0.0/16', 'fd00:10::/48', 'fd00:11::/48', '0.0.0.0/32']) })).resolves.toBeDefined();
  });

  it('leaves what is not a CIDR at all to the CRD rule', async () => {
    const { causes } = await rejection(admission, { object: vpcWith(['10.0.0.0/16', 'ten']) });
    expect(causeLines(causes)).toEqual(['spec: Invalid value: "object": each network must be a valid IPv4 or IPv6 CIDR']);
  });
});

describe('fields immutable after create', () => {
  it('refuses to move a router to another node', async () => {
    const moved = structuredClone(underlayRouter);
    (moved.spec as Spec).targetRef = { kind: 'Node', name: 'node-2' };
    const { causes } = await rejection(admission, { object: moved, oldObject: underlayRouter });
    expect(causeLines(causes)).toEqual(['spec.targetRef: Invalid value: map[string]interface {}{"kind":"Node", "name":"node-2"}: field is immutable']);
  });

  it('lets everything else about a router change', async () => {
    const changed = structuredClone(underlayRouter);
    Object.assign(changed.spec as Spec, { localASN: 65001, roles: ['fabric', 'transit'] });
    await expect(admit(admission, { object: changed, oldObject: underlayRouter })).resolves.toBeDefined();
  });

  it("refuses to move an attachment to another VPC", async () => {
    const moved = structuredClone(blueAttachment);
    (moved.spec as Spec).vpc = { name: 'red' };
    const { causes } = await rejection(admission, { object: moved, oldObject: blueAttachment });
    expect(causeLines(causes)).toEqual(['spec.vpc: Invalid value: map[string]interface {}{"name":"red"}: field is immutable']);
  });
});

describe('attachment addresses inside the VPC', () => {
  const lookups: unknown[][] = [];
  const vpcs: Record<string, KubeObject> = { blue: dualStackVpc };
  const lookup: ObjectLookup = async (kind, namespace, name) => {
    lookups.push([kind, namespace, name]);
    return vpcs[name];
  };
  const withLookup = newAdmission({ lookup });

  function attachmentWith(addresses: string[], vpc = 'blue'): KubeObject {
    const attachment = structuredClone(blueAttachment);
    Object.assign(attachment.spec as Spec, { vpc: { name: vpc }, interface: { name: 'eth1', addresses } });
    return attachment;
  }

  it('accepts addresses inside the networks, and looks the VPC up in the attachment namespace', async () => {
    lookups.length = 0;
    await expect(admit(withLookup, { object: attachmentWith(['10.10.1.5/24', 'fd00:10::5/64']) })).resolves.toBeDefined();
    expect(lookups).toEqual([[{ group: 'vpc.miloapis.com', kind: 'VPC' }, 'default', 'blue']]);
  });

  it('rejects an address outside every network, or a subnet wider than its network', async () => {
    const { causes } = await rejection(withLookup, { object: attachmentWith(['192.168.1.5/24', '10.10.1.5/8', 'fd00:11::5/64']) });
    expect(causeLines(causes)).toEqual([
      'spec.interface.addresses[0]: Invalid value: "192.168.1.5/24": is not inside any network of VPC "blue" (10.10.0.0/16, fd00:10::/48)',
      'spec.interface.addresses[1]: Invalid value: "10.10.1.5/8": is not inside any network of VPC "blue" (10.10.0.0/16, fd00:10::/48)',
      'spec.interface.addresses[2]: Invalid value: "fd00:11::5/64": is not inside any network of VPC "blue" (10.10.0.0/16, fd00:10::/48)',
    ]);
  });

  it('accepts any address while the VPC does not exist (the agent reports it)', async () => {
    await expect(admit(withLookup, { object: attachmentWith(['192.168.1.5/24'], 'green') })).resolves.toBeDefined();
  });

  it('skips the check when the server gives admission no lookup', async () => {
    await expect(admit(admission, { object: attachmentWith(['192.168.1.5/24']) })).resolves.toBeDefined();
  });

  it('on update judges only the addresses that are new', async () => {
    const old = attachmentWith(['10.10.1.5/24']);
    vpcs.blue = vpcWith(['fd00:10::/48']); // the VPC gave up its IPv4 network since
    try {
      await expect(admit(withLookup, { object: attachmentWith(['10.10.1.5/24', 'fd00:10::7/64']), oldObject: old })).resolves.toBeDefined();
      const { causes } = await rejection(withLookup, { object: attachmentWith(['10.10.1.5/24', '10.10.1.6/24']), oldObject: old });
      expect(causeLines(causes)).toEqual(['spec.interface.addresses[1]: Invalid value: "10.10.1.6/24": is not inside any network of VPC "blue" (fd00:10::/48)']);
    } finally {
      vpcs.blue = dualStackVpc;
    }
  });
});
