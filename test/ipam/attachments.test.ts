// VPCAttachments hold their addresses through ops the registry commits in the same
// transaction as the attachment object; here the object write is a plain create/update/
// delete of its key, as the registry's would be.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TxnFailedError, type Storage, type TxnOp } from '../../storage/interface.js';
import { Ipam } from '../../src/ipam/ipam.js';
import { isApiError, type FailureStatus } from '../../src/meta/status.js';
import { audit, bothBackends, encodeVpc, freshNamespace, vpc, vpcKey } from './support.js';

async function refusal(promise: Promise<unknown>): Promise<FailureStatus> {
  try {
    await promise;
  } catch (err) {
    if (isApiError(err)) return err.status;
    throw err;
  }
  throw new Error('expected the request to be refused');
}

const attachmentKey = (ns: string, name: string) => `/registry/vpc.miloapis.com/vpcattachments/${ns}/${name}`;
const encodeAttachment = (name: string, addresses: string[]) =>
  new TextEncoder().encode(JSON.stringify({ kind: 'VPCAttachment', metadata: { name }, spec: { vpc: { name: 'v1' }, interface: { name: 'eth0', addresses } } }));

describe.each(bothBackends())('VPCAttachment addresses on the $name store', (backend) => {
  let storage: Storage;
  let ipam: Ipam;
  let ns: string;
  const v1 = vpc('v1', ['10.20.0.0/24', 'fd00:20::/64']);

  beforeAll(async () => {
    await backend.start();
    storage = backend.client();
    ipam = new Ipam(storage);
  });
  afterAll(async () => {
    ipam?.close();
    await backend.stop();
  });
  beforeEach(async () => {
    ns = freshNamespace();
    await storage.create(vpcKey(ns, 'v1'), encodeVpc(ns, v1));
  });

  /** What the registry does: the object's own op first, then the IPAM ops, in one transaction. */
  async function writeAttachment(name: string, oldAddresses: string[], newAddresses: string[]) {
    const ipamOps = await ipam.attachmentOps(ns, name, 'v1', oldAddresses, newAddresses);
    const current = await storage.get(attachmentKey(ns, name));
    const objectOp: TxnOp =
      newAddresses.length === 0
        ? { type: 'delete', key: attachmentKey(ns, name), expectedModRevision: current!.modRevision }
        : current
          ? { type: 'update', key: attachmentKey(ns, name), value: encodeAttachment(name, newAddresses), expectedModRevision: current.modRevision }
          : { type: 'create', key: attachmentKey(ns, name), value: encodeAttachment(name, newAddresses) };
    return storage.txn([objectOp, ...ipamOps]);
  }

  const holders = async () => Object.fromEntries((await audit(storage, ns, 'v1')).holders);
  async function expectConsistent() {
    expect((await audit(storage, ns, 'v1')).problems).toEqual([]);
  }

  it('creating an attachment holds its addresses in the same transaction as the object', async () => {
    const { revision } = await writeAttachment('a1', [], ['10.20.0.9/24', 'fd00:20::9/64']);
    expect((await storage.get(attachmentKey(ns, 'a1')))!.modRevision).toBe(revision);
    expect(await holders()).toEqual({ '10.20.0.9': 'VPCAttachment/a1', 'fd00:20::9': 'VPCAttachment/a1' });
    expect(await ipam.allocation({ namespace: ns, vpc: 'v1', owner: 'VPCAttachment/a1' })).toMatchObject({ addresses: ['10.20.0.9/24', 'fd00:20::9/64'] });
    // Allocation never hands them to anyone else.
    const status = await refusal(ipam.allocate({ namespace: ns, vpc: v1, owner: 'VirtualMachine/web-1', addresses: ['10.20.0.9'] }));
    expect(status.message).toContain('address 10.20.0.9 is held by VPCAttachment/a1');
    await expectConsistent();
  });

  it('refuses an address held by another owner with 409 naming it, and writes nothing', async () => {
    await ipam.allocate({ namespace: ns, vpc: v1, owner: 'VirtualMachine/web-1', addresses: ['10.20.0.9'] });
    const status = await refusal(writeAttachment('a1', [], ['10.20.0.8/24', '10.20.0.9/24']));
    expect(status).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on vpcattachments.vpc.miloapis.com "a1": address 10.20.0.9 is held by VirtualMachine/web-1',
      details: { causes: [{ field: 'spec.interface.addresses[1]', reason: 'AddressInUse' }] },
    });
    expect(await storage.get(attachmentKey(ns, 'a1'))).toBeNull();
    expect(await holders()).toEqual({ '10.20.0.9': 'VirtualMachine/web-1' });
  });

  it('fails the whole transaction, object included, when the address is taken between computing the ops and committing them', async () => {
    const ops = await ipam.attachmentOps(ns, 'a1', 'v1', [], ['10.20.0.9/24']);
    await ipam.allocate({ namespace: ns, vpc: v1, owner: 'VirtualMachine/web-1', addresses: ['10.20.0.9'] });
    const err = await storage.txn([{ type: 'create', key: attachmentKey(ns, 'a1'), value: encodeAttachment('a1', ['10.20.0.9/24']) }, ...ops]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TxnFailedError);
    expect((err as TxnFailedError).opIndex).toBeGreaterThan(0);
    expect(await storage.get(attachmentKey(ns, 'a1'))).toBeNull();
    // Computing the ops again gives the answer the client gets.
    expect((await refusal(writeAttachment('a1', [], ['10.20.0.9/24']))).code).toBe(409);
    await expectConsistent();
  });

  it('moves the reservation when the addresses change, freeing the old one for others', async () => {
    await writeAttachment('a1', [], ['10.20.0.9/24', 'fd00:20::9/64']);
    await writeAttachment('a1', ['10.20.0.9/24', 'fd00:20::9/64'], ['10.20.0.10/24', 'fd00:20::9/64']);
    expect(await holders()).toEqual({ '10.20.0.10': 'VPCAttachment/a1', 'fd00:20::9': 'VPCAttachment/a1' });
    await ipam.allocate({ namespace: ns, vpc: v1, owner: 'VirtualMachine/web-1', addresses: ['10.20.0.9'] });
    await expectConsistent();
  });

  it('releases everything when the attachment is deleted', async () => {
    await writeAttachment('a1', [], ['10.20.0.9/24']);
    await writeAttachment('a1', ['10.20.0.9/24'], []);
    expect(await storage.get(attachmentKey(ns, 'a1'))).toBeNull();
    expect(await holders()).toEqual({});
    expect(await ipam.list({ namespace: ns, vpc: 'v1' })).toEqual([]);
  });

  it('writes nothing of its own when an update leaves the addresses as they are', async () => {
    await writeAttachment('a1', [], ['10.20.0.9/24']);
    expect(await ipam.attachmentOps(ns, 'a1', 'v1', ['10.20.0.9/24'], ['10.20.0.9/24'])).toEqual([]);
  });

  it('lets an owner that allocated first create its attachment with those addresses, which it then holds', async () => {
    const allocated = await ipam.allocate({ namespace: ns, vpc: v1, owner: 'VPCAttachment/a1' });
    const ops = await ipam.attachmentOps(ns, 'a1', 'v1', [], allocated.addresses);
    // Nothing to create: only the owner key changes, guarded, to mark it held by the object.
    expect(ops.map((op) => op.type)).toEqual(['update']);
    await writeAttachment('a1', [], allocated.addresses);
    expect(Object.values(await holders())).toEqual(['VPCAttachment/a1', 'VPCAttachment/a1']);
    // From now on the attachment decides: a release request may not pull them from under it.
    const status = await refusal(ipam.release({ namespace: ns, vpc: 'v1', owner: 'VPCAttachment/a1' }));
    expect(status).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(status.message).toContain('edit or delete the VPCAttachment');
    await expectConsistent();
  });

  it('refuses addresses outside the VPC, reserved or repeated with 422 naming the field', async () => {
    const status = await refusal(writeAttachment('a1', [], ['10.30.0.9/24', '10.20.0.1/24', '10.20.0.5/24', '10.20.0.5/24']));
    expect(status).toMatchObject({ code: 422, reason: 'Invalid', details: { kind: 'VPCAttachment', name: 'a1' } });
    expect(status.details?.causes?.map((c) => c.field)).toEqual(['spec.interface.addresses[0]', 'spec.interface.addresses[1]', 'spec.interface.addresses[3]']);
  });

  it('holds nothing while its VPC does not exist, and takes its addresses on a later write once it does', async () => {
    const ops = await ipam.attachmentOps(ns, 'a1', 'v2', [], ['10.20.0.9/24']);
    expect(ops).toEqual([]);
    await storage.create(vpcKey(ns, 'v2'), encodeVpc(ns, vpc('v2', ['10.20.0.0/24'])));
    const later = await ipam.attachmentOps(ns, 'a1', 'v2', ['10.20.0.9/24'], ['10.20.0.9/24']);
    await storage.txn(later);
    expect((await audit(storage, ns, 'v2')).holders).toEqual(new Map([['10.20.0.9', 'VPCAttachment/a1']]));
  });

  it('takes no new addresses in a VPC being deleted (403)', async () => {
    await storage.create(vpcKey(ns, 'v3'), encodeVpc(ns, vpc('v3', ['10.20.0.0/24'], { deleting: true })));
    expect((await refusal(ipam.attachmentOps(ns, 'a1', 'v3', [], ['10.20.0.9/24']))).code).toBe(403);
  });

  it('counts attachment addresses when allocating, so a /29 is full after 3 attachments and 2 allocations', async () => {
    const small = vpc('v4', ['10.40.0.0/29']);
    await storage.create(vpcKey(ns, 'v4'), encodeVpc(ns, small));
    for (const [i, address] of ['10.40.0.2/29', '10.40.0.4/29', '10.40.0.6/29'].entries()) {
      await storage.txn(await ipam.attachmentOps(ns, `a${i}`, 'v4', [], [address]));
    }
    const got = [];
    for (const owner of ['VirtualMachine/x', 'VirtualMachine/y']) got.push((await ipam.allocate({ namespace: ns, vpc: small, owner })).addresses[0]);
    expect(got.sort()).toEqual(['10.40.0.3/29', '10.40.0.5/29']);
    expect((await refusal(ipam.allocate({ namespace: ns, vpc: small, owner: 'VirtualMachine/z' }))).code).toBe(409);
  });
});
