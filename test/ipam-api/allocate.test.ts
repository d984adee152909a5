// The VPC allocate subresource over HTTP and kubectl, against the real server: fixed
// addresses per owner, specific addresses in both notations, refusals that name the
// culprit, exhaustion, reserved addresses, dual stack, release and reuse; and the VPC
// status and admission rule that come with them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type RunningApiServer } from '../support/apiserver.js';
import { allocate, allocatePath, allocations, createVpc, eventually, freshNamespace, granted, read, vpcsPath } from './support.js';

describe('the allocate subresource', () => {
  let server: RunningApiServer;

  beforeAll(async () => {
    server = await startApiServer({ backend: 'embedded' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('gives an owner addresses of every family of the VPC, and the same ones again (201, then 200)', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/24', 'fd00:20::/64']);
    const first = await allocate(server, ns, 'v1', { owner: 'VirtualMachine/web-1' });
    expect(first.status, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      apiVersion: 'vpc.miloapis.com/v1alpha1',
      kind: 'AddressAllocation',
      metadata: { name: 'v1', namespace: ns },
      spec: { owner: 'VirtualMachine/web-1' },
    });
    const addresses = granted(first);
    expect(addresses).toHaveLength(2);
    expect(addresses[0]).toMatch(/^10\.20\.0\.\d+\/24$/);
    expect(addresses[1]).toMatch(/^fd00:20::[0-9a-f:]+\/64$/);

    for (let i = 0; i < 3; i++) {
      const again = await allocate(server, ns, 'v1', { owner: 'VirtualMachine/web-1' });
      expect(again.status, again.body).toBe(200);
      expect(granted(again)).toEqual(addresses);
    }
    expect(await allocations(server, ns, 'v1')).toEqual(new Map([['VirtualMachine/web-1', addresses]]));
  });

  it('hands out specific addresses asked for in either notation, answering in CIDR form', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/24', 'fd00:20::/64']);
    expect(granted(await allocate(server, ns, 'v1', { owner: 'VirtualMachine/a', addresses: ['10.20.0.9'] }))).toEqual(['10.20.0.9/24']);
    expect(granted(await allocate(server, ns, 'v1', { owner: 'VirtualMachine/b', addresses: ['10.20.0.10/24', 'fd00:20::10/64'] }))).toEqual([
      '10.20.0.10/24',
      'fd00:20::10/64',
    ]);
    // The same owner asking for what it holds, in the other notation, is the same request.
    const again = await allocate(server, ns, 'v1', { owner: 'VirtualMachine/a', addresses: ['10.20.0.9/24'] });
    expect(again.status).toBe(200);
    expect(granted(again)).toEqual(['10.20.0.9/24']);
  });

  it('refuses an address another owner holds with 409 naming the holder and the field', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/24']);
    granted(await allocate(server, ns, 'v1', { owner: 'VirtualMachine/a', addresses: ['10.20.0.9'] }));
    const taken = await allocate(server, ns, 'v1', { owner: 'VirtualMachine/b', addresses: ['10.20.0.9/24'] });
    expect(taken.status).toBe(409);
    expect(taken.json()).toMatchObject({
      kind: 'Status',
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on vpcs.vpc.miloapis.com "v1": address 10.20.0.9 is held by VirtualMachine/a',
      details: { causes: [{ reason: 'AddressInUse', field: 'spec.addresses[0]' }] },
    });
    expect(await allocations(server, ns, 'v1')).toEqual(new Map([['VirtualMachine/a', ['10.20.0.9/24']]]));
  });

  it('refuses addresses outside every network, reserved ones and malformed requests with 422 naming the field', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/24', 'fd00:20::/64']);
    const outside = await allocate(server, ns, 'v1', { owner: 'VirtualMachine/a', addresses: ['10.30.0.9'] });
    expect(outside.status).toBe(422);
    expect(outside.json()).toMatchObject({ reason: 'Invalid', details: { kind: 'AddressAllocation', causes: [{ field: 'spec.addresses[0]' }] } });
    expect(outside.json().message).toContain('is not inside any network of VPC "v1" (10.20.0.0/24, fd00:20::/64)');

    const reserved = await allocate(server, ns, 'v1', { owner: 'VirtualMachine/a', addresses: ['10.20.0.0', '10.20.0.1/24', '10.20.0.255', 'fd00:20::'] });
    expect(reserved.status).toBe(422);
    expect(reserved.json().details.causes.map((c: { field: string }) => c.field)).toEqual([0, 1, 2, 3].map((i) => `spec.addresses[${i}]`));
    expect(reserved.json().message).toContain('is the gateway address of 10.20.0.0/24');

    const noOwner = await server.request('POST', allocatePath(ns, 'v1'), { body: { spec: { families: ['IPv7'] } } });
    expect(noOwner.status).toBe(422);
    expect(noOwner.json().details.causes.map((c: { field: string }) => c.field)).toEqual(['spec.owner', 'spec.families[0]']);
    expect((await allocations(server, ns, 'v1')).size).toBe(0);
  });

  it('hands out exactly the 5 usable addresses of a /29, never a reserved one, then answers 409 AddressesExhausted naming the family', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/29']);
    const results = await Promise.all(Array.from({ length: 7 }, (_, i) => allocate(server, ns, 'v1', { owner: `VirtualMachine/vm-${i}` })));
    const ok = results.filter((r) => r.status === 201);
    expect(ok).toHaveLength(5);
    expect(ok.map((r) => granted(r)[0]).sort()).toEqual(['10.20.0.2/29', '10.20.0.3/29', '10.20.0.4/29', '10.20.0.5/29', '10.20.0.6/29']);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused.map((r) => r.status)).toEqual([409, 409]);
    for (const r of refused) {
      expect(r.json()).toMatchObject({ reason: 'Conflict', details: { causes: [{ reason: 'AddressesExhausted', field: 'spec.families' }] } });
      expect(r.json().message).toContain('no free IPv4 address is left in VPC v1 (10.20.0.0/29: 5 of 5 addresses held)');
    }
  });

  it('serves both families from small networks and keeps the IPv6 subnet-router anycast address back', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/29', 'fd00:20::/126']);
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => allocate(server, ns, 'v1', { owner: `VirtualMachine/vm-${i}` })));
    const ok = results.filter((r) => r.status === 201).map(granted);
    expect(ok).toHaveLength(3);
    expect(ok.map((a) => a[1]).sort()).toEqual(['fd00:20::1/126', 'fd00:20::2/126', 'fd00:20::3/126']);
    const refused = results.find((r) => r.status !== 201)!;
    expect(refused.status).toBe(409);
    expect(refused.json().message).toContain('no free IPv6 address is left');
    // Nothing half-allocated: the refused owner holds no IPv4 address either.
    expect((await allocations(server, ns, 'v1')).size).toBe(3);
    // One family only, when asked.
    expect(granted(await allocate(server, ns, 'v1', { owner: 'VirtualMachine/v4-only', families: ['IPv4'] }))).toEqual([expect.stringMatching(/^10\.20\.0\.[2-6]\/29$/)]);
    const noFamily = await allocate(server, ns, 'v1', { owner: 'VirtualMachine/x', families: ['IPv6', 'IPv6'] });
    expect(noFamily.status).toBe(422);
  });

  it('releases an owner with DELETE ?owner=, so that its addresses go to the next owner', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/29']);
    const held = await Promise.all(Array.from({ length: 5 }, (_, i) => allocate(server, ns, 'v1', { owner: `VirtualMachine/vm-${i}` }).then(granted)));
    expect((await allocate(server, ns, 'v1', { owner: 'VirtualMachine/late' })).status).toBe(409);

    const dryRun = await server.request('DELETE', allocatePath(ns, 'v1', '?owner=VirtualMachine/vm-2&dryRun=All'));
    expect(dryRun.status).toBe(200);
    expect((await allocations(server, ns, 'v1')).get('VirtualMachine/vm-2')).toEqual(held[2]);

    const released = await server.request('DELETE', allocatePath(ns, 'v1', '?owner=VirtualMachine/vm-2'));
    expect(released.status, released.body).toBe(200);
    expect(released.json()).toMatchObject({ kind: 'AddressAllocation', spec: { owner: 'VirtualMachine/vm-2' }, status: { addresses: held[2] } });
    expect((await allocations(server, ns, 'v1')).has('VirtualMachine/vm-2')).toBe(false);
    expect((await server.request('DELETE', allocatePath(ns, 'v1', '?owner=VirtualMachine/vm-2'))).status).toBe(404);
    expect((await server.request('DELETE', allocatePath(ns, 'v1'))).status).toBe(400);

    expect(granted(await allocate(server, ns, 'v1', { owner: 'VirtualMachine/late' }))).toEqual(held[2]);
    // The released owner asking again is a new owner now: the VPC is full.
    expect((await allocate(server, ns, 'v1', { owner: 'VirtualMachine/vm-2' })).status).toBe(409);
  });

  it('answers 404 for a VPC that does not exist, and dry runs write nothing', async () => {
    const ns = freshNamespace();
    expect((await allocate(server, ns, 'nope', { owner: 'VirtualMachine/a' })).status).toBe(404);
    expect((await server.request('GET', allocatePath(ns, 'nope'))).status).toBe(404);
    await createVpc(server, ns, 'v1', ['10.20.0.0/24']);
    const dry = await allocate(server, ns, 'v1', { owner: 'VirtualMachine/a' }, '?dryRun=All');
    expect(dry.status).toBe(201);
    expect(granted(dry)).toHaveLength(1);
    expect((await allocations(server, ns, 'v1')).size).toBe(0);
  });

  it('lists allocations for kubectl get vpc NAME --subresource allocate as OWNER, ADDRESSES, AGE', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/24', 'fd00:20::/64']);
    const a = granted(await allocate(server, ns, 'v1', { owner: 'VirtualMachine/web-1', addresses: ['10.20.0.9', 'fd00:20::9'] }));
    granted(await allocate(server, ns, 'v1', { owner: 'VirtualMachine/web-2', families: ['IPv4'] }));
    const printed = await server.kubectl(['get', 'vpc', 'v1', '-n', ns, '--subresource', 'allocate']);
    expect(printed.code, printed.stderr).toBe(0);
    const lines = printed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^OWNER\s+ADDRESSES\s+AGE$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(new RegExp(`^VirtualMachine/web-1\\s+${a.join(',')}\\s+\\d+s$`));
    expect(lines[2]).toMatch(/^VirtualMachine\/web-2\s+10\.20\.0\.\d+\/24\s+\d+s$/);

    const yaml = await server.kubectl(['get', 'vpc', 'v1', '-n', ns, '--subresource', 'allocate', '-o', 'jsonpath={.items[*].spec.owner}']);
    expect(yaml.stdout).toBe('VirtualMachine/web-1 VirtualMachine/web-2');
  });

  it('is listed in discovery with its verbs and its kind', async () => {
    const resources = (await server.request('GET', '/apis/vpc.miloapis.com/v1alpha1')).json<{ resources: { name: string; kind: string; verbs: string[] }[] }>();
    expect(resources.resources.find((r) => r.name === 'vpcs/allocate')).toMatchObject({ kind: 'AddressAllocation', verbs: ['create', 'get', 'delete'] });
  });
});

describe('VPC status and admission', () => {
  let server: RunningApiServer;

  beforeAll(async () => {
    server = await startApiServer({ backend: 'embedded' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('shows the identifier (a 24-bit VNI), readiness, per-network counts and conditions, kept current by the server', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/29', 'fd00:20::/64']);
    const vpc = await eventually(
      () => read(server, vpcsPath(ns, 'v1')),
      (v) => v.status?.ready === true,
    );
    expect(vpc.metadata.finalizers).toEqual(['vpc.miloapis.com/ipam']);
    const vni = Number(vpc.status.identifier);
    expect(Number.isInteger(vni) && vni >= 1 && vni < 2 ** 24 - 1).toBe(true);
    expect(vpc.status).toMatchObject({
      observedGeneration: 1,
      networks: [
        { network: '10.20.0.0/29', allocated: 0, available: 5 },
        { network: 'fd00:20::/64', allocated: 0, available: Number.MAX_SAFE_INTEGER },
      ],
      conditions: [
        { type: 'Ready', status: 'True', reason: 'IdentifierAssigned' },
        { type: 'AddressesAvailable', status: 'True' },
      ],
    });

    await Promise.all(Array.from({ length: 5 }, (_, i) => allocate(server, ns, 'v1', { owner: `VirtualMachine/vm-${i}`, families: ['IPv4'] }).then(granted)));
    const full = await eventually(
      () => read(server, vpcsPath(ns, 'v1')),
      (v) => v.status.networks[0].allocated === 5,
    );
    expect(full.status.networks[0]).toEqual({ network: '10.20.0.0/29', allocated: 5, available: 0 });
    expect(full.status.conditions[1]).toMatchObject({ type: 'AddressesAvailable', status: 'False', reason: 'Exhausted' });
    expect(full.status.conditions[1].message).toContain('no free IPv4 address is left');
    expect(full.status.identifier).toBe(vpc.status.identifier);

    // The identifier is unique: another VPC gets another.
    await createVpc(server, ns, 'v2', ['10.30.0.0/24']);
    const other = await eventually(() => read(server, vpcsPath(ns, 'v2')), (v) => v.status?.ready === true);
    expect(other.status.identifier).not.toBe(vpc.status.identifier);

    const printed = await server.kubectl(['get', 'vpc', '-n', ns, '-o', 'wide']);
    expect(printed.stdout).toMatch(new RegExp(`^v1\\s+${vpc.status.identifier}\\s+true\\s+\\["10.20.0.0/29","fd00:20::/64"\\]\\s+\\d+s$`, 'm'));
  });

  it('writes status only when it changes', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/24']);
    const ready = await eventually(() => read(server, vpcsPath(ns, 'v1')), (v) => v.status?.ready === true);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await read(server, vpcsPath(ns, 'v1'))).metadata.resourceVersion).toBe(ready.metadata.resourceVersion);
  });

  it('refuses to remove or shrink a network that still holds allocations, naming the count, and lets an empty one go', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/24', 'fd00:20::/64']);
    granted(await allocate(server, ns, 'v1', { owner: 'VirtualMachine/a', addresses: ['10.20.0.9'] }));
    granted(await allocate(server, ns, 'v1', { owner: 'VirtualMachine/b', addresses: ['10.20.0.200'] }));
    const patch = (networks: string[]) =>
      server.request('PATCH', vpcsPath(ns, 'v1'), { body: { spec: { networks } }, headers: { 'Content-Type': 'application/merge-patch+json' } });

    for (const networks of [['fd00:20::/64'], ['10.20.0.0/25', 'fd00:20::/64']]) {
      const refused = await patch(networks);
      expect(refused.status).toBe(422);
      expect(refused.json()).toMatchObject({ reason: 'Invalid', details: { kind: 'VPC', causes: [{ field: 'spec.networks', reason: 'FieldValueForbidden' }] } });
      expect(refused.json().message).toContain('network "10.20.0.0/24" cannot be removed: 2 addresses are still allocated from it');
    }
    // The IPv6 network holds nothing: it may go.
    const allowed = await patch(['10.20.0.0/24']);
    expect(allowed.status, allowed.body).toBe(200);
    // Once released, the other may go too.
    for (const owner of ['VirtualMachine/a', 'VirtualMachine/b']) expect((await server.request('DELETE', allocatePath(ns, 'v1', `?owner=${owner}`))).status).toBe(200);
    expect((await patch(['10.40.0.0/24'])).status).toBe(200);
  });
});
