// Deleting a VPC waits, by its finalizer, until no owner holds addresses in it and no
// attachment refers to it; meanwhile it takes no new owners. Nothing is left held behind
// for a later VPC of the same name, even when its finalizer is stripped by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdStorage } from '../../storage/etcd.js';
import { startApiServer, type RunningApiServer } from '../support/apiserver.js';
import { allocate, allocatePath, allocations, attachment, attachmentsPath, createVpc, eventually, freshNamespace, granted, read, vpcsPath } from './support.js';

describe('VPC deletion', () => {
  let server: RunningApiServer;

  beforeAll(async () => {
    server = await startApiServer({ backend: 'embedded' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('waits for its allocations and attachments, taking no new ones meanwhile', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/24']);
    const held = granted(await allocate(server, ns, 'v1', { owner: 'VirtualMachine/a' }));
    expect((await server.request('POST', attachmentsPath(ns), { body: attachment('att', 'v1', ['10.20.0.9/24']) })).status).toBe(201);

    const deleted = await server.kubectl(['delete', 'vpc', 'v1', '-n', ns, '--wait=false']);
    expect(deleted.code, deleted.stderr).toBe(0);
    const deleting = await eventually(() => read(server, vpcsPath(ns, 'v1')), (v) => v.status?.conditions?.[0]?.reason === 'Deleting');
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    expect(deleting.status.ready).toBe(false);
    expect(deleting.status.conditions[0].message).toContain('waiting for 2 address owner(s) and 1 attachment(s)');

    const late = await allocate(server, ns, 'v1', { owner: 'VirtualMachine/late' });
    expect(late.status).toBe(403);
    expect(late.json().message).toContain('VPC v1 is being deleted');
    expect((await server.request('POST', attachmentsPath(ns), { body: attachment('late', 'v1', ['10.20.0.10/24']) })).status).toBe(403);
    // An owner that holds addresses still gets its answer.
    expect(granted(await allocate(server, ns, 'v1', { owner: 'VirtualMachine/a' }))).toEqual(held);

    expect((await server.request('DELETE', allocatePath(ns, 'v1', '?owner=VirtualMachine/a'))).status).toBe(200);
    await eventually(() => read(server, vpcsPath(ns, 'v1')), (v) => v.status.conditions[0].message.includes('waiting for 1 address owner(s) and 1 attachment(s)'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await read(server, vpcsPath(ns, 'v1'))).not.toBeNull();

    expect((await server.kubectl(['delete', 'vpcattachment', 'att', '-n', ns])).code).toBe(0);
    await eventually(() => read(server, vpcsPath(ns, 'v1')), (v) => v === null);

    // A new VPC of the name starts empty, with an identifier of its own.
    await createVpc(server, ns, 'v1', ['10.20.0.0/24']);
    expect((await allocations(server, ns, 'v1')).size).toBe(0);
    await eventually(() => read(server, vpcsPath(ns, 'v1')), (v) => v.status?.ready === true);
  });

  it('goes at once when nothing holds addresses in it', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/24']);
    const deleted = await server.kubectl(['delete', 'vpc', 'v1', '-n', ns, '--timeout=20s']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await read(server, vpcsPath(ns, 'v1'))).toBeNull();
  });

  it('leaves nothing held behind when its finalizer is stripped by hand', async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/24']);
    granted(await allocate(server, ns, 'v1', { owner: 'VirtualMachine/a', addresses: ['10.20.0.9'] }));
    expect((await server.kubectl(['delete', 'vpc', 'v1', '-n', ns, '--wait=false'])).code).toBe(0);
    const stripped = await server.kubectl(['patch', 'vpc', 'v1', '-n', ns, '--type', 'json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    expect(stripped.code, stripped.stderr).toBe(0);
    await eventually(() => read(server, vpcsPath(ns, 'v1')), (v) => v === null);

    await createVpc(server, ns, 'v1', ['10.20.0.0/24']);
    await eventually(() => allocations(server, ns, 'v1'), (a) => a.size === 0);
    expect(granted(await allocate(server, ns, 'v1', { owner: 'VirtualMachine/b', addresses: ['10.20.0.9'] }))).toEqual(['10.20.0.9/24']);
  });
});

describe('a VPC identifier', () => {
  let server: RunningApiServer;

  beforeAll(async () => {
    server = await startApiServer({ backend: 'etcd' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('is taken with the VPC and freed with it, in the same transactions', async () => {
    const storage = new EtcdStorage({ endpoints: [server.etcd!.endpoint], prefix: '/cosmos' });
    try {
      const ns = freshNamespace();
      await createVpc(server, ns, 'v1', ['10.20.0.0/24']);
      const { identifier } = (await eventually(() => read(server, vpcsPath(ns, 'v1')), (v) => v.status?.ready === true)).status;
      const vniKey = `/registry/vpc.miloapis.com/vnis/${identifier}`;
      expect(JSON.parse(new TextDecoder().decode((await storage.get(vniKey))!.value))).toMatchObject({ namespace: ns, vpc: 'v1' });
      expect((await server.kubectl(['delete', 'vpc', 'v1', '-n', ns, '--timeout=20s'])).code).toBe(0);
      expect(await storage.get(vniKey)).toBeNull();
      expect(await storage.get(`/registry/vpc.miloapis.com/vpcvnis/${ns}/v1`)).toBeNull();
    } finally {
      await storage.close();
    }
  });
});
