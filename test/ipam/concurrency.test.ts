// No duplicates, proven: many allocators at once, in two independent allocator instances
// with their own storage clients on one etcd (as two apiserver processes would be), then
// an audit of every key IPAM wrote.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ipam } from '../../src/ipam/ipam.js';
import { isApiError } from '../../src/meta/status.js';
import type { AllocateResult } from '../../src/ipam/allocator.js';
import { addressOf, audit, embeddedBackend, etcdBackend, freshNamespace, vpc, type Backend } from './support.js';

type Outcome = AllocateResult | { refused: number; cause?: string };

async function outcome(request: Promise<AllocateResult>): Promise<Outcome> {
  try {
    return await request;
  } catch (err) {
    if (!isApiError(err)) throw err;
    return { refused: err.status.code, cause: err.status.details?.causes?.[0]?.reason };
  }
}

const granted = (outcomes: Outcome[]) => outcomes.filter((o): o is AllocateResult => 'addresses' in o);

function suite(backend: Backend, instances: number) {
  describe(`${instances} allocator instance(s) on the ${backend.name} store`, () => {
    let allocators: Ipam[];
    const storage = () => backend.client();

    beforeAll(async () => {
      await backend.start();
      allocators = Array.from({ length: instances }, () => new Ipam(backend.client()));
      await Promise.all(allocators.map((a) => a.start()));
    });
    afterAll(async () => {
      for (const a of allocators ?? []) a.close();
      await backend.stop();
    });

    /** Request i goes to allocator i mod n, all at once. */
    const concurrently = (count: number, request: (ipam: Ipam, i: number) => Promise<AllocateResult>) =>
      Promise.all(Array.from({ length: count }, (_, i) => outcome(request(allocators[i % instances]!, i))));

    it('gives 100 concurrent owners 100 distinct addresses of each family, and every key agrees', async () => {
      const ns = freshNamespace();
      const v = vpc('v1', ['10.20.0.0/24', 'fd00:20::/120']);
      const outcomes = await concurrently(100, (ipam, i) => ipam.allocate({ namespace: ns, vpc: v, owner: `VirtualMachine/vm-${i}` }));
      const results = granted(outcomes);
      expect(results).toHaveLength(100);
      const all = results.flatMap((r) => r.addresses.map(addressOf));
      expect(new Set(all).size).toBe(200);
      const { holders, owners, problems } = await audit(storage(), ns, 'v1');
      expect(problems).toEqual([]);
      expect(holders.size).toBe(200);
      expect(owners.size).toBe(100);
      for (const r of results) expect(owners.get(r.owner)).toEqual(r.addresses);
    });

    it('hands exactly the 29 addresses of a /27 to 40 racing owners and refuses the other 11 as exhausted', async () => {
      const ns = freshNamespace();
      const v = vpc('v1', ['10.20.0.0/27']);
      const outcomes = await concurrently(40, (ipam, i) => ipam.allocate({ namespace: ns, vpc: v, owner: `VirtualMachine/vm-${i}` }));
      const results = granted(outcomes);
      expect(results).toHaveLength(29);
      expect(new Set(results.map((r) => r.addresses[0])).size).toBe(29);
      expect(outcomes.filter((o) => 'refused' in o)).toEqual(Array.from({ length: 11 }, () => ({ refused: 409, cause: 'AddressesExhausted' })));
      const { holders, problems } = await audit(storage(), ns, 'v1');
      expect(problems).toEqual([]);
      expect(holders.size).toBe(29);
    });

    it('gives one owner asking 20 times at once one set of addresses, created exactly once', async () => {
      const ns = freshNamespace();
      const v = vpc('v1', ['10.20.0.0/24', 'fd00:20::/64']);
      const results = granted(await concurrently(20, (ipam) => ipam.allocate({ namespace: ns, vpc: v, owner: 'VirtualMachine/web-1' })));
      expect(results).toHaveLength(20);
      expect(new Set(results.map((r) => r.addresses.join()))).toHaveLength(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const { holders, problems } = await audit(storage(), ns, 'v1');
      expect(problems).toEqual([]);
      expect(holders.size).toBe(2);
    });

    it('keeps every key consistent while owners allocate, release and allocate again at once', async () => {
      const ns = freshNamespace();
      const v = vpc('v1', ['10.20.0.0/26']);
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const ipam = allocators[i % instances]!;
          const owner = `VirtualMachine/vm-${i % 25}`;
          for (let round = 0; round < 4; round++) {
            await outcome(ipam.allocate({ namespace: ns, vpc: v, owner }));
            if (round % 2 === 0) await ipam.release({ namespace: ns, vpc: 'v1', owner });
          }
        }),
      );
      const { holders, owners, problems } = await audit(storage(), ns, 'v1');
      expect(problems).toEqual([]);
      expect(owners.size).toBeGreaterThan(0);
      expect(holders.size).toBe(owners.size);
    });
  });
}

suite(etcdBackend(), 2);
suite(embeddedBackend(), 1);
