// VPCAttachments hold the addresses they list, through the real server and kubectl: taken
// with the object, refused when someone else holds one, moved on update, released on
// delete; allocate-then-attach; and their status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type RunningApiServer } from '../support/apiserver.js';
import { allocate, allocatePath, allocations, attachment, attachmentsPath, createVpc, eventually, freshNamespace, granted, read } from './support.js';

describe('VPCAttachment addresses', () => {
  let server: RunningApiServer;

  beforeAll(async () => {
    server = await startApiServer({ backend: 'embedded' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const apply = (ns: string, object: object) => server.kubectl(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(object) });

  it('holds its addresses from the moment it exists, and no one else gets them', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/24', 'fd00:20::/64']);
    const created = await apply(ns, attachment('a1', 'v1', ['10.20.0.9/24', 'fd00:20::9/64']));
    expect(created.code, created.stderr).toBe(0);
    expect(await allocations(server, ns, 'v1')).toEqual(new Map([['VPCAttachment/a1', ['10.20.0.9/24', 'fd00:20::9/64']]]));
    const taken = await allocate(server, ns, 'v1', { owner: 'VirtualMachine/web-1', addresses: ['10.20.0.9'] });
    expect(taken.status).toBe(409);
    expect(taken.json().message).toContain('address 10.20.0.9 is held by VPCAttachment/a1');
    // Its addresses are the attachment's to release: not by a release request.
    const release = await server.request('DELETE', allocatePath(ns, 'v1', '?owner=VPCAttachment/a1'));
    expect(release.status).toBe(409);
    expect(release.json().message).toContain('edit or delete the VPCAttachment');

    const ready = await eventually(() => read(server, attachmentsPath(ns, 'a1')), (a) => a.status?.ready === true);
    expect(ready.status).toMatchObject({
      identifier: ready.metadata.uid,
      observedGeneration: 1,
      conditions: [{ type: 'Ready', status: 'True', reason: 'AddressesHeld' }],
    });
  });

  it('is refused with 409 naming the holder when another owner holds an address it lists, and nothing is written', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/24']);
    granted(await allocate(server, ns, 'v1', { owner: 'VirtualMachine/web-1', addresses: ['10.20.0.9'] }));
    const res = await server.request('POST', attachmentsPath(ns), { body: attachment('a1', 'v1', ['10.20.0.8/24', '10.20.0.9/24']) });
    expect(res.status).toBe(409);
    expect(res.json()).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on vpcattachments.vpc.miloapis.com "a1": address 10.20.0.9 is held by VirtualMachine/web-1',
      details: { causes: [{ reason: 'AddressInUse', field: 'spec.interface.addresses[1]' }] },
    });
    expect(await read(server, attachmentsPath(ns, 'a1'))).toBeNull();
    expect(await allocations(server, ns, 'v1')).toEqual(new Map([['VirtualMachine/web-1', ['10.20.0.9/24']]]));
    const viaKubectl = await apply(ns, attachment('a1', 'v1', ['10.20.0.9/24']));
    expect(viaKubectl.code).not.toBe(0);
    expect(viaKubectl.stderr).toContain('address 10.20.0.9 is held by VirtualMachine/web-1');
  });

  it('moves the reservation when its addresses change, and releases it when deleted', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/24']);
    expect((await apply(ns, attachment('a1', 'v1', ['10.20.0.9/24']))).code).toBe(0);
    const moved = await server.kubectl(['patch', 'vpcattachment', 'a1', '-n', ns, '--type', 'merge', '-p', JSON.stringify({ spec: { interface: { addresses: ['10.20.0.10/24', '10.20.0.11/24'] } } })]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(await allocations(server, ns, 'v1')).toEqual(new Map([['VPCAttachment/a1', ['10.20.0.10/24', '10.20.0.11/24']]]));
    // The old address is free for others now.
    expect(granted(await allocate(server, ns, 'v1', { owner: 'VirtualMachine/web-1', addresses: ['10.20.0.9'] }))).toEqual(['10.20.0.9/24']);
    // Status writes (the agent's, say) leave the reservation alone.
    const status = await server.request('PATCH', `${attachmentsPath(ns, 'a1')}/status`, {
      body: { status: { ready: true } },
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(status.status, status.body).toBe(200);

    const deleted = await server.kubectl(['delete', 'vpcattachment', 'a1', '-n', ns]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await allocations(server, ns, 'v1')).toEqual(new Map([['VirtualMachine/web-1', ['10.20.0.9/24']]]));
    expect(granted(await allocate(server, ns, 'v1', { owner: 'VirtualMachine/web-2', addresses: ['10.20.0.10', '10.20.0.11'] }))).toHaveLength(2);
  });

  it('lets an owner allocate first and then create its attachment with those addresses', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/24', 'fd00:20::/64']);
    const addresses = granted(await allocate(server, ns, 'v1', { owner: 'VPCAttachment/vm-1' }));
    const created = await apply(ns, attachment('vm-1', 'v1', addresses));
    expect(created.code, created.stderr).toBe(0);
    expect(await allocations(server, ns, 'v1')).toEqual(new Map([['VPCAttachment/vm-1', addresses]]));
    await eventually(() => read(server, attachmentsPath(ns, 'vm-1')), (a) => a.status?.ready === true);
    // The same owner asking again still gets them, from the attachment.
    expect(granted(await allocate(server, ns, 'v1', { owner: 'VPCAttachment/vm-1' }))).toEqual(addresses);
  });

  it('waits for its VPC when created first, then holds its addresses and turns ready', async () => {
    const ns = freshNamespace();
    const created = await server.request('POST', attachmentsPath(ns), { body: attachment('early', 'later', ['10.50.0.9/24']) });
    expect(created.status, created.body).toBe(201);
    const waiting = await eventually(() => read(server, attachmentsPath(ns, 'early')), (a) => a.status?.conditions !== undefined);
    expect(waiting.status).toMatchObject({ ready: false, conditions: [{ type: 'Ready', status: 'False', reason: 'VPCNotFound' }] });

    await createVpc(server, ns, 'later', ['10.50.0.0/24']);
    await eventually(() => read(server, attachmentsPath(ns, 'early')), (a) => a.status?.ready === true);
    expect(await allocations(server, ns, 'later')).toEqual(new Map([['VPCAttachment/early', ['10.50.0.9/24']]]));
  });

  it('reports an address it cannot hold yet, naming the holder, and takes it once the holder lets go', async () => {
    const ns = freshNamespace();
    // Two attachments listing one address, both written before their VPC exists.
    for (const name of ['a1', 'a2']) expect((await server.request('POST', attachmentsPath(ns), { body: attachment(name, 'v1', ['10.60.0.9/24']) })).status).toBe(201);
    await createVpc(server, ns, 'v1', ['10.60.0.0/24']);
    const [holder] = [...(await eventually(() => allocations(server, ns, 'v1'), (a) => a.size === 1)).keys()];
    const [winner, loser] = holder === 'VPCAttachment/a1' ? ['a1', 'a2'] : ['a2', 'a1'];
    const blocked = await eventually(() => read(server, attachmentsPath(ns, loser!)), (a) => a.status?.conditions?.[0]?.reason === 'AddressInUse');
    expect(blocked.status.ready).toBe(false);
    expect(blocked.status.conditions[0].message).toContain(`address 10.60.0.9 is held by VPCAttachment/${winner}`);
    await eventually(() => read(server, attachmentsPath(ns, winner!)), (a) => a.status?.ready === true);

    expect((await server.kubectl(['delete', 'vpcattachment', winner!, '-n', ns])).code).toBe(0);
    await eventually(() => read(server, attachmentsPath(ns, loser!)), (a) => a.status?.ready === true);
    expect(await allocations(server, ns, 'v1')).toEqual(new Map([[`VPCAttachment/${loser}`, ['10.60.0.9/24']]]));
  });
});
