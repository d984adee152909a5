// Objects as operators write them, one for each usage the Cosmos API describes, go in
// through `kubectl apply` and are stored as written. Addresses that are not addresses are
// refused where the CRDs require one; and where a CRD rule lets through what is not a
// network (isCIDR accepts host bits), the semantic layer refuses it and says why.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import type { KubeObject } from '../../src/api/object.js';
import { blueAttachment, causeLines, dualStackVpc, evpnPeerBySelector, fabricPeerWithTimers, kindNamed, REALISTIC, underlayRouter } from '../admission/fixtures.js';
import { startApiServer, type KubectlResult, type RunningApiServer } from '../support/apiserver.js';
import { expectInvalid, pathOf } from './api.js';

let server: RunningApiServer;
let dir: string;

beforeAll(async () => {
  server = await startApiServer({ backend: 'embedded' });
  dir = await mkdtemp(join(tmpdir(), 'validation-realistic-'));
});

afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function variant(object: KubeObject, name: string, spec: Record<string, unknown>): KubeObject {
  return { ...structuredClone(object), metadata: { ...structuredClone(object.metadata), name }, spec: { ...(structuredClone(object.spec) as object), ...spec } };
}

function withoutFields(object: KubeObject, ...fields: string[]): KubeObject {
  const copy = structuredClone(object);
  for (const field of fields) delete (copy.spec as Record<string, unknown>)[field];
  return copy;
}

// The peers the fixtures lack: by routerRef with neither timers nor auth, and by
// routerSelector with both.
const plainPeer = variant(withoutFields(fabricPeerWithTimers, 'holdTime', 'keepaliveTime', 'authSecretRef', 'bfd', 'gracefulRestart', 'description'), 'node-1-to-spine-2', {
  address: '2001:db8:fa::2',
});
const selectedPeerWithTimers = variant(evpnPeerBySelector, 'route-reflector-2', {
  address: '10.255.255.2',
  holdTime: '30s',
  keepaliveTime: '10s',
  authSecretRef: { name: 'rr-md5' },
});

const OBJECTS = [...REALISTIC, plainPeer, selectedPeerWithTimers];

let files = 0;

async function apply(...objects: KubeObject[]): Promise<KubectlResult> {
  const file = join(dir, `manifest-${++files}.yaml`);
  await writeFile(file, objects.map((o) => toYaml(o)).join('---\n'));
  return server.kubectl(['apply', '-f', file]);
}

const resourceName = (o: KubeObject) => `${kindNamed(o.kind).singular}.${kindNamed(o.kind).group}/${o.metadata.name}`;

describe('realistic objects of every kind', () => {
  it('covers every kind', () => {
    expect(new Set(OBJECTS.map((o) => o.kind))).toEqual(new Set(['BGPRouter', 'BGPPeer', 'BGPAdvertisement', 'BGPPolicy', 'BGPVRFInstance', 'VPC', 'VPCAttachment']));
  });

  it('are all accepted by kubectl apply, with no warning', async () => {
    const r = await apply(...OBJECTS);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(OBJECTS.map((o) => `${resourceName(o)} created`));
  });

  it.each(OBJECTS.map((o) => [resourceName(o), o] as const))('%s is stored as written', async (_, object) => {
    const result = await server.request('GET', pathOf(object, { name: object.metadata.name }));
    expect(result.status).toBe(200);
    const stored = result.json<KubeObject>();
    expect(stored.spec).toEqual(object.spec);
    expect(stored.metadata.labels).toEqual(object.metadata.labels);
  });
});

describe('2001:db8:fabric::1 ("fabric" is not hexadecimal) where an IP address is required', () => {
  it('is refused as a peer address by the CRD rule isIP()', async () => {
    const r = await apply(variant(fabricPeerWithTimers, 'fabric-typo', { address: '2001:db8:fabric::1' }));
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('The BGPPeer "fabric-typo" is invalid: spec.address: Invalid value: "string": address must be a valid IPv4 or IPv6 address');
  });

  it('is refused as a router ID by the schema format ipv4', async () => {
    const r = await apply(variant(underlayRouter, 'fabric-typo', { routerID: '2001:db8:fabric::1' }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('* spec.routerID: Invalid value: "2001:db8:fabric::1": spec.routerID in body must be of type ipv4: "2001:db8:fabric::1"');
  });
});

describe('what the CRD rules let through and the semantic layer refuses', () => {
  const vpcRule = kindNamed('VPC').schema.properties!.spec!['x-kubernetes-validations']![0]!;

  async function vpcCauses(name: string, networks: string[]): Promise<string[]> {
    const vpc = variant(dualStackVpc, name, { networks });
    return causeLines(expectInvalid(await server.request('POST', pathOf(vpc), { body: vpc }), vpc));
  }

  it('the CRD rule itself refuses what is no CIDR at all, with its own message', async () => {
    expect(vpcRule.rule).toBe('self.networks.all(n, isCIDR(n))');
    expect(await vpcCauses('not-a-cidr', ['10.0.0.1'])).toEqual([`spec: Invalid value: "object": ${vpcRule.message}`]);
  });

  it('10.0.0.1/24 passes isCIDR(), but names an address, not a network: the semantic layer refuses it', async () => {
    const causes = await vpcCauses('host-bits', ['10.0.0.1/24']);
    // Not the CRD rule's message: the rule passed; the refusal says why it is no network.
    expect(causes).toEqual(['spec.networks[0]: Invalid value: "10.0.0.1/24": host bits are set: the network is "10.0.0.0/24"']);
  });

  it('overlapping networks pass the CRD and are refused by the semantic layer', async () => {
    expect(await vpcCauses('overlap', ['10.0.0.0/8', '10.1.0.0/16'])).toEqual(['spec.networks[1]: Invalid value: "10.1.0.0/16": overlaps spec.networks[0] ("10.0.0.0/8")']);
  });

  it('an attachment address outside its (existing) VPC passes the CRD and is refused by the semantic layer', async () => {
    const vpc = variant(dualStackVpc, 'green', {});
    expect((await server.request('POST', pathOf(vpc), { body: vpc })).status).toBe(201);
    const attachment = variant(blueAttachment, 'outside', { vpc: { name: 'green' }, interface: { name: 'eth1', addresses: ['10.10.1.6/24', '192.168.1.5/24'] } });
    const causes = causeLines(expectInvalid(await server.request('POST', pathOf(attachment), { body: attachment }), attachment));
    expect(causes).toEqual(['spec.interface.addresses[1]: Invalid value: "192.168.1.5/24": is not inside any network of VPC "green" (10.10.0.0/16, fd00:10::/48)']);
  });
});
