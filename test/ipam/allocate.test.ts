import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Storage } from '../../storage/interface.js';
import { Ipam } from '../../src/ipam/ipam.js';
import { isApiError, type FailureStatus } from '../../src/meta/status.js';
import { addressOf, audit, bothBackends, freshNamespace, vpc } from './support.js';

async function refusal(promise: Promise<unknown>): Promise<FailureStatus> {
  try {
    await promise;
  } catch (err) {
    if (isApiError(err)) return err.status;
    throw err;
  }
  throw new Error('expected the request to be refused');
}

describe.each(bothBackends())('IPAM allocation on the $name store', (backend) => {
  let storage: Storage;
  let ipam: Ipam;
  let ns: string;

  beforeAll(async () => {
    await backend.start();
    storage = backend.client();
    ipam = new Ipam(storage);
    await ipam.start();
  });
  afterAll(async () => {
    ipam?.close();
    await backend.stop();
  });
  beforeEach(() => {
    ns = freshNamespace();
  });

  async function expectConsistent(vpcName: string) {
    const { problems } = await audit(storage, ns, vpcName);
    expect(problems).toEqual([]);
  }

  describe('idempotence', () => {
    it('gives an owner an address in CIDR form with its network prefix, and the same one on every later request', async () => {
      const v = vpc('v1', ['10.20.0.0/24']);
      const first = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-1' });
      expect(first.created).toBe(true);
      expect(first.addresses).toHaveLength(1);
      expect(first.addresses[0]).toMatch(/^10\.20\.0\.\d+\/24$/);

      const again = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-1' });
      expect(again).toEqual({ ...first, created: false });
      expect(await ipam.allocation({ namespace: ns, vpc: 'v1', owner: 'VirtualMachine/web-1' })).toEqual({
        owner: 'VirtualMachine/web-1',
        addresses: first.addresses,
        createdAt: first.createdAt,
      });
      await expectConsistent('v1');
    });

    it('keeps the addresses across a restart of the allocator (a new process sees the same storage)', async () => {
      const v = vpc('v1', ['10.20.0.0/24', 'fd00:20::/64']);
      const first = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-1' });
      const restarted = new Ipam(storage);
      try {
        expect(await restarted.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-1' })).toEqual({ ...first, created: false });
      } finally {
        restarted.close();
      }
    });

    it('writes nothing on a dry run, yet judges the request and answers as a real one would', async () => {
      const v = vpc('v1', ['10.20.0.0/24']);
      const dry = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-1', dryRun: true });
      expect(dry.created).toBe(true);
      expect(dry.addresses[0]).toMatch(/^10\.20\.0\.\d+\/24$/);
      expect(await ipam.allocation({ namespace: ns, vpc: 'v1', owner: 'VirtualMachine/web-1' })).toBeNull();
      expect((await audit(storage, ns, 'v1')).holders.size).toBe(0);
      expect((await refusal(ipam.allocate({ namespace: ns, vpc: v, owner: 'web-1', dryRun: true }))).code).toBe(422);
      const held = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-1' });
      expect(await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-1', dryRun: true })).toEqual({ ...held, created: false });
    });

    it('answers a repeated request for a named address with the address it already holds', async () => {
      const v = vpc('v1', ['10.20.0.0/24']);
      const first = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-1', addresses: ['10.20.0.9'] });
      const again = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-1', addresses: ['10.20.0.9/24'] });
      expect(first.addresses).toEqual(['10.20.0.9/24']);
      expect(again).toMatchObject({ addresses: ['10.20.0.9/24'], created: false });
    });
  });

  describe('specific addresses', () => {
    it('accepts an address bare or in CIDR form, and answers with the network prefix length', async () => {
      const v = vpc('v1', ['10.20.0.0/24', 'fd00:20::/64']);
      const bare = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/a', addresses: ['10.20.0.9'] });
      const cidr = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/b', addresses: ['10.20.0.10/24'] });
      const narrower = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/c', addresses: ['10.20.0.11/32'] });
      // Written any way, an IPv6 address is one address: its canonical form.
      const v6 = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/d', addresses: ['FD00:20:0::00a'] });
      expect([bare, cidr, narrower, v6].map((r) => r.addresses)).toEqual([['10.20.0.9/24'], ['10.20.0.10/24'], ['10.20.0.11/24'], ['fd00:20::a/64']]);
      // Naming addresses without families asks for just those (no IPv6 was added for a, b, c).
      await expectConsistent('v1');
    });

    it('refuses an address another owner holds with 409 Conflict naming the holder', async () => {
      const v = vpc('v1', ['10.20.0.0/24']);
      await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-1', addresses: ['10.20.0.9'] });
      const status = await refusal(ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-2', addresses: ['10.20.0.9/24'] }));
      expect(status).toMatchObject({
        code: 409,
        reason: 'Conflict',
        message: 'Operation cannot be fulfilled on vpcs.vpc.miloapis.com "v1": address 10.20.0.9 is held by VirtualMachine/web-1',
        details: { name: 'v1', kind: 'vpcs', causes: [{ reason: 'AddressInUse', field: 'spec.addresses[0]' }] },
      });
      expect(await ipam.allocation({ namespace: ns, vpc: 'v1', owner: 'VirtualMachine/web-2' })).toBeNull();
      await expectConsistent('v1');
    });

    it('refuses addresses outside every network, reserved or repeated with 422 naming each field', async () => {
      const v = vpc('v1', ['10.20.0.0/24', 'fd00:20::/64']);
      const status = await refusal(
        ipam.allocate({
          namespace: ns,
          vpc: v,
          owner: 'VirtualMachine/web-1',
          addresses: ['10.30.0.9', '10.20.0.0', '10.20.0.1/24', '10.20.0.255', 'fd00:20::', '10.20.0.9/16', 'nonsense', '10.20.0.7', '10.20.0.7/24'],
        }),
      );
      expect(status.code).toBe(422);
      expect(status.reason).toBe('Invalid');
      expect(status.details?.kind).toBe('AddressAllocation');
      expect(status.details?.causes?.map((c) => [c.field, c.message])).toEqual([
        ['spec.addresses[0]', 'Invalid value: "10.30.0.9": is not inside any network of VPC "v1" (10.20.0.0/24, fd00:20::/64)'],
        ['spec.addresses[1]', 'Invalid value: "10.20.0.0": is the network address of 10.20.0.0/24, which is never handed out'],
        ['spec.addresses[2]', 'Invalid value: "10.20.0.1/24": is the gateway address of 10.20.0.0/24, which is never handed out'],
        ['spec.addresses[3]', 'Invalid value: "10.20.0.255": is the broadcast address of 10.20.0.0/24, which is never handed out'],
        ['spec.addresses[4]', 'Invalid value: "fd00:20::": is the subnet-router anycast address of fd00:20::/64, which is never handed out'],
        ['spec.addresses[5]', 'Invalid value: "10.20.0.9/16": prefix length 16 is shorter than that of its network 10.20.0.0/24'],
        ['spec.addresses[6]', 'Invalid value: "nonsense": must be an IP address, e.g. "10.20.0.9", or one in CIDR form, e.g. "10.20.0.9/24"'],
        ['spec.addresses[8]', 'Duplicate value: "10.20.0.7/24"'],
      ]);
      await expectConsistent('v1');
      expect((await audit(storage, ns, 'v1')).holders.size).toBe(0);
    });

    it('refuses a malformed owner and unknown or missing families with 422', async () => {
      const v = vpc('v1', ['10.20.0.0/24']);
      const status = await refusal(ipam.allocate({ namespace: ns, vpc: v, owner: 'web-1', families: ['IPv4', 'IPv7', 'IPv6', 'IPv4'] }));
      expect(status.details?.causes?.map((c) => [c.field, c.message])).toEqual([
        ['spec.owner', 'Invalid value: "web-1": must be <Kind>/<name>, e.g. "VirtualMachine/web-1"'],
        ['spec.families[1]', 'Unsupported value: "IPv7": supported values: "IPv4", "IPv6"'],
        ['spec.families[2]', 'Invalid value: "IPv6": VPC "v1" has no IPv6 network'],
        ['spec.families[3]', 'Duplicate value: "IPv4"'],
      ]);
      expect((await refusal(ipam.allocate({ namespace: ns, vpc: v, owner: '' }))).details?.causes?.[0]).toMatchObject({
        field: 'spec.owner',
        reason: 'FieldValueRequired',
      });
    });
  });

  describe('exhaustion', () => {
    it('hands out exactly the 5 usable addresses of a /29, then answers 409 naming the family', async () => {
      const v = vpc('v1', ['10.20.0.0/29']);
      const got = [];
      for (let i = 0; i < 5; i++) got.push((await ipam.allocate({ namespace: ns, vpc: v, owner: `VirtualMachine/vm-${i}` })).addresses[0]!);
      expect(got.map(addressOf).sort()).toEqual(['10.20.0.2', '10.20.0.3', '10.20.0.4', '10.20.0.5', '10.20.0.6']);

      const status = await refusal(ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/vm-5' }));
      expect(status).toMatchObject({
        code: 409,
        reason: 'Conflict',
        message: 'Operation cannot be fulfilled on vpcs.vpc.miloapis.com "v1": no free IPv4 address is left in VPC v1 (10.20.0.0/29: 5 of 5 addresses held)',
        details: { causes: [{ reason: 'AddressesExhausted', field: 'spec.families' }] },
      });
      const named = await refusal(ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/vm-5', families: ['IPv4'] }));
      expect(named.details?.causes?.[0]?.field).toBe('spec.families[0]');
      await expectConsistent('v1');
    });

    it('fills a /24 with its 253 usable addresses and never hands out the network, gateway or broadcast address', async () => {
      const v = vpc('v1', ['10.20.0.0/24']);
      const got = await Promise.all(
        Array.from({ length: 253 }, (_, i) => ipam.allocate({ namespace: ns, vpc: v, owner: `VirtualMachine/vm-${i}` }).then((r) => addressOf(r.addresses[0]!))),
      );
      const expected = Array.from({ length: 253 }, (_, i) => `10.20.0.${i + 2}`);
      expect(got.sort()).toEqual(expected.sort());
      expect((await refusal(ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/one-too-many' }))).code).toBe(409);
      await expectConsistent('v1');
    });

    it('never hands out the subnet-router anycast address of an IPv6 network', async () => {
      const v = vpc('v1', ['fd00:20::/126']);
      const got = [];
      for (let i = 0; i < 3; i++) got.push((await ipam.allocate({ namespace: ns, vpc: v, owner: `VirtualMachine/vm-${i}` })).addresses[0]);
      expect(got.sort()).toEqual(['fd00:20::1/126', 'fd00:20::2/126', 'fd00:20::3/126']);
      expect((await refusal(ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/vm-3' }))).message).toContain('no free IPv6 address');
    });

    it('moves on to the next network of the family when one is full', async () => {
      const v = vpc('v1', ['10.20.0.0/30', '10.30.0.0/30']);
      const a = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/a' });
      const b = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/b' });
      expect([a.addresses, b.addresses]).toEqual([['10.20.0.2/30'], ['10.30.0.2/30']]);
      const status = await refusal(ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/c' }));
      expect(status.message).toContain('10.20.0.0/30: 1 of 1 addresses held, 10.30.0.0/30: 1 of 1 addresses held');
    });
  });

  describe('dual-stack', () => {
    it('gives one address of every family the VPC has by default', async () => {
      const v = vpc('v1', ['10.20.0.0/24', 'fd00:20::/64']);
      const { addresses } = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-1' });
      expect(addresses).toHaveLength(2);
      expect(addresses[0]).toMatch(/^10\.20\.0\.\d+\/24$/);
      expect(addresses[1]).toMatch(/^fd00:20::[0-9a-f:]+\/64$/);
      await expectConsistent('v1');
    });

    it('gives only the families asked for, and adds a family later without touching the first', async () => {
      const v = vpc('v1', ['10.20.0.0/24', 'fd00:20::/64']);
      const v6 = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-1', families: ['IPv6'] });
      expect(v6.addresses).toEqual([expect.stringMatching(/^fd00:20::.*\/64$/)]);
      const both = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-1' });
      expect(both.created).toBe(true);
      expect(both.addresses[0]).toBe(v6.addresses[0]);
      expect(both.addresses[1]).toMatch(/^10\.20\.0\.\d+\/24$/);
      expect(both.createdAt).toBe(v6.createdAt);
      expect(await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-1', families: ['IPv4'] })).toEqual({ ...both, created: false });
      await expectConsistent('v1');
    });

    it('refuses a named address of a family the request leaves out', async () => {
      const v = vpc('v1', ['10.20.0.0/24', 'fd00:20::/64']);
      const status = await refusal(ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-1', families: ['IPv4'], addresses: ['fd00:20::5'] }));
      expect(status.details?.causes?.[0]).toMatchObject({
        field: 'spec.addresses[0]',
        message: 'Invalid value: "fd00:20::5": is an IPv6 address, but spec.families does not include IPv6',
      });
    });
  });

  describe('release and reuse', () => {
    it('releases everything an owner holds, and the address can be had again', async () => {
      const v = vpc('v1', ['10.20.0.0/24', 'fd00:20::/64']);
      const first = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-1' });
      await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-2' });
      expect(await ipam.release({ namespace: ns, vpc: 'v1', owner: 'VirtualMachine/web-1' })).toEqual({
        owner: 'VirtualMachine/web-1',
        addresses: first.addresses,
        createdAt: first.createdAt,
      });
      expect(await ipam.release({ namespace: ns, vpc: 'v1', owner: 'VirtualMachine/web-1' })).toBeNull();
      expect((await ipam.list({ namespace: ns, vpc: 'v1' })).map((a) => a.owner)).toEqual(['VirtualMachine/web-2']);
      expect([...(await audit(storage, ns, 'v1')).holders.keys()]).not.toContain(addressOf(first.addresses[0]!));

      const reused = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-3', addresses: first.addresses });
      expect(reused.addresses).toEqual(first.addresses);
      await expectConsistent('v1');
    });

    it('hands a released address of a full network to the next owner that asks', async () => {
      const v = vpc('v1', ['10.20.0.0/29']);
      const got = [];
      for (let i = 0; i < 5; i++) got.push(await ipam.allocate({ namespace: ns, vpc: v, owner: `VirtualMachine/vm-${i}` }));
      await ipam.release({ namespace: ns, vpc: 'v1', owner: 'VirtualMachine/vm-3' });
      const next = await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/vm-5' });
      expect(next.addresses).toEqual(got[3]!.addresses);
      await expectConsistent('v1');
    });
  });

  describe('what the VPC reports', () => {
    it('lists allocations by owner, counts them per network and says what is left', async () => {
      const v = vpc('v1', ['10.20.0.0/29', 'fd00:20::/64']);
      await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/b' });
      await ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/a', families: ['IPv4'] });
      const list = await ipam.list({ namespace: ns, vpc: 'v1' });
      expect(list.map((a) => [a.owner, a.addresses.length])).toEqual([
        ['VirtualMachine/a', 1],
        ['VirtualMachine/b', 2],
      ]);
      expect(list[0]!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      // A second allocator (another apiserver) answers the same, however recently written.
      const other = new Ipam(backend.client());
      try {
        expect(await other.usage(ns, v)).toEqual({
          networks: [
            { network: '10.20.0.0/29', allocated: 2, available: 3n },
            { network: 'fd00:20::/64', allocated: 1, available: 2n ** 64n - 2n },
          ],
          outsideNetworks: 0,
        });
        expect(await other.allocationsInNetworks(ns, 'v1', ['10.20.0.0/29', 'fd00:20::/64', '10.99.0.0/16'])).toEqual(
          new Map([
            ['10.20.0.0/29', 2],
            ['fd00:20::/64', 1],
            ['10.99.0.0/16', 0],
          ]),
        );
        expect(await other.ownerCount(ns, 'v1')).toBe(2);
      } finally {
        other.close();
      }
    });
  });

  describe('a VPC being deleted', () => {
    it('gives no new addresses (403), and still answers owners with what they hold', async () => {
      const live = vpc('v1', ['10.20.0.0/24']);
      const held = await ipam.allocate({ namespace: ns, vpc: live, owner: 'VirtualMachine/web-1' });
      const deleting = vpc('v1', ['10.20.0.0/24'], { deleting: true });
      expect(await ipam.allocate({ namespace: ns, vpc: deleting, owner: 'VirtualMachine/web-1' })).toEqual({ ...held, created: false });
      const status = await refusal(ipam.allocate({ namespace: ns, vpc: deleting, owner: 'VirtualMachine/web-2' }));
      expect(status).toMatchObject({ code: 403, reason: 'Forbidden' });
      expect(status.message).toContain('VPC v1 is being deleted');
    });
  });
});
