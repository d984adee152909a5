import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../storage/interface.js';
import { Ipam } from '../../src/ipam/ipam.js';
import { firstVniCandidate, VNI_MAX, VNI_MIN } from '../../src/ipam/vni.js';
import { bothBackends, freshNamespace } from './support.js';

const vniKey = (vni: number) => `/registry/vpc.miloapis.com/vnis/${vni}`;
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe.each(bothBackends())('VPC identifiers (VNIs) on the $name store', (backend) => {
  let storage: Storage;
  let ipams: Ipam[];

  beforeAll(async () => {
    await backend.start();
    storage = backend.client();
    // Two allocators with their own clients: on etcd, two apiservers.
    ipams = [new Ipam(storage), new Ipam(backend.client())];
  });
  afterAll(async () => {
    for (const ipam of ipams ?? []) ipam.close();
    await backend.stop();
  });

  it('gives a VPC a 24-bit VNI derived from its uid, the same on every call', async () => {
    const ns = freshNamespace();
    const vni = await ipams[0]!.assignVni(ns, 'v1', 'uid-a');
    expect(vni).toBe(firstVniCandidate('uid-a'));
    expect(vni).toBeGreaterThanOrEqual(VNI_MIN);
    expect(vni).toBeLessThanOrEqual(VNI_MAX);
    expect(await ipams[1]!.assignVni(ns, 'v1', 'uid-a')).toBe(vni);
  });

  it('moves on to the next VNI when the first candidate is taken', async () => {
    const ns = freshNamespace();
    const candidate = firstVniCandidate('uid-collides');
    await storage.create(vniKey(candidate), json({ namespace: 'other', vpc: 'x', uid: 'uid-x' }));
    await storage.create(vniKey(candidate === VNI_MAX ? VNI_MIN : candidate + 1), json({ namespace: 'other', vpc: 'y', uid: 'uid-y' }));
    const vni = await ipams[0]!.assignVni(ns, 'v1', 'uid-collides');
    expect(vni).toBe(((candidate + 1) % VNI_MAX) + 1);
    expect(await ipams[0]!.assignVni(ns, 'v1', 'uid-collides')).toBe(vni);
  });

  it('never gives two VPCs the same VNI, and one VPC always one, however many ask at once', async () => {
    const ns = freshNamespace();
    const many = await Promise.all(Array.from({ length: 60 }, (_, i) => ipams[i % 2]!.assignVni(ns, `v${i}`, `uid-${ns}-${i}`)));
    expect(new Set(many).size).toBe(60);
    const same = await Promise.all(Array.from({ length: 10 }, (_, i) => ipams[i % 2]!.assignVni(ns, 'shared', `uid-${ns}-shared`)));
    expect(new Set(same).size).toBe(1);
    const { items } = await storage.list('/registry/vpc.miloapis.com/vnis/');
    const holders = items.map((kv) => JSON.parse(new TextDecoder().decode(kv.value)) as { namespace: string; vpc: string });
    expect(holders.filter((h) => h.namespace === ns && h.vpc === 'shared')).toHaveLength(1);
  });

  it('frees the VNI on release, and a VPC re-created under the same name gets its own', async () => {
    const ns = freshNamespace();
    const first = await ipams[0]!.assignVni(ns, 'v1', 'uid-first');
    expect(await ipams[0]!.releaseVni(ns, 'v1')).toBe(first);
    expect(await storage.get(vniKey(first))).toBeNull();
    expect(await ipams[0]!.releaseVni(ns, 'v1')).toBeNull();

    const second = await ipams[0]!.assignVni(ns, 'v1', 'uid-second');
    expect(second).toBe(firstVniCandidate('uid-second'));
    // An identifier left behind by an earlier VPC of the name (a crash before its release)
    // goes with the new VPC's assignment.
    const third = await ipams[0]!.assignVni(ns, 'v1', 'uid-third');
    expect(third).toBe(firstVniCandidate('uid-third'));
    expect(await storage.get(vniKey(second))).toBeNull();
  });
});
