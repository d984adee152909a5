// No duplicates, proven through the API: 100 owners asking at once, spread over two
// apiserver processes on one etcd (and over one process on the embedded store), then an
// audit of every key IPAM wrote, read from storage on its own terms.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedStorage } from '../../storage/embedded/index.js';
import { EtcdStorage } from '../../storage/etcd.js';
import { audit } from '../ipam/support.js';
import { startApiServer, type HttpResult, type RunningApiServer } from '../support/apiserver.js';
import { startEtcd, type RunningEtcd } from '../support/etcd.js';
import { addressOf, allocate, allocations, createVpc, freshNamespace, granted } from './support.js';

const OWNERS = 100;

/** Owner i asks server i mod n, all at once; answers by owner. */
async function concurrently(servers: RunningApiServer[], ns: string, vpc: string, count: number): Promise<Map<string, HttpResult>> {
  const owners = Array.from({ length: count }, (_, i) => `VirtualMachine/vm-${i}`);
  const answers = await Promise.all(owners.map((owner, i) => allocate(servers[i % servers.length]!, ns, vpc, { owner })));
  return new Map(owners.map((owner, i) => [owner, answers[i]!]));
}

/** Every owner got a distinct address per family, each server lists the same, and storage agrees key by key. */
async function expectNoDuplicates(servers: RunningApiServer[], ns: string, answers: Map<string, HttpResult>, storage: () => Promise<{ storage: EtcdStorage | EmbeddedStorage; done(): Promise<void> }>) {
  const held = new Map([...answers].map(([owner, res]) => [owner, granted(res)]));
  for (const addresses of held.values()) expect(addresses).toHaveLength(2);
  const all = [...held.values()].flat().map(addressOf);
  expect(new Set(all).size).toBe(2 * answers.size);
  for (const server of servers) expect(await allocations(server, ns, 'v1')).toEqual(held);
  // Asking again, on the other server, changes nothing.
  const again = await concurrently([...servers].reverse(), ns, 'v1', answers.size);
  for (const [owner, res] of again) {
    expect(res.status).toBe(200);
    expect(granted(res)).toEqual(held.get(owner));
  }
  const opened = await storage();
  try {
    const { holders, owners, problems } = await audit(opened.storage, ns, 'v1');
    expect(problems).toEqual([]);
    expect(holders.size).toBe(2 * answers.size);
    expect(owners).toEqual(held);
  } finally {
    await opened.done();
  }
}

describe('two apiserver processes on one etcd', () => {
  let etcd: RunningEtcd;
  let servers: RunningApiServer[] = [];
  const storage = async () => {
    const s = new EtcdStorage({ endpoints: [etcd.endpoint], prefix: '/cosmos' });
    return { storage: s, done: () => s.close() };
  };

  beforeAll(async () => {
    etcd = await startEtcd();
    servers = await Promise.all([startApiServer({ backend: 'etcd', etcd }), startApiServer({ backend: 'etcd', etcd })]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await etcd?.stop();
  });

  it(`give ${OWNERS} concurrent owners distinct addresses, every address one owner and every owner its addresses`, async () => {
    const ns = freshNamespace();
    await createVpc(servers[0]!, ns, 'v1', ['10.20.0.0/24', 'fd00:20::/120']);
    const answers = await concurrently(servers, ns, 'v1', OWNERS);
    expect([...answers.values()].map((r) => r.status)).toEqual(Array.from({ length: OWNERS }, () => 201));
    await expectNoDuplicates(servers, ns, answers, storage);
  });

  it('hand exactly the 29 addresses of a /27 to 40 racing owners and refuse the other 11 as exhausted', async () => {
    const ns = freshNamespace();
    await createVpc(servers[1]!, ns, 'v1', ['10.20.0.0/27']);
    const answers = [...(await concurrently(servers, ns, 'v1', 40)).values()];
    const ok = answers.filter((r) => r.status === 201);
    expect(ok).toHaveLength(29);
    expect(new Set(ok.map((r) => granted(r)[0])).size).toBe(29);
    const refused = answers.filter((r) => r.status !== 201);
    expect(refused.map((r) => [r.status, r.json().details.causes[0].reason])).toEqual(Array.from({ length: 11 }, () => [409, 'AddressesExhausted']));
    const opened = await storage();
    try {
      const { holders, problems } = await audit(opened.storage, ns, 'v1');
      expect(problems).toEqual([]);
      expect(holders.size).toBe(29);
    } finally {
      await opened.done();
    }
  });
});

describe('one apiserver process on the embedded store', () => {
  let server: RunningApiServer;

  beforeAll(async () => {
    server = await startApiServer({ backend: 'embedded' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it(`gives ${OWNERS} concurrent owners distinct addresses, every address one owner and every owner its addresses`, async () => {
    const ns = freshNamespace();
    await createVpc(server, ns, 'v1', ['10.20.0.0/24', 'fd00:20::/120']);
    const answers = await concurrently([server], ns, 'v1', OWNERS);
    expect([...answers.values()].map((r) => r.status)).toEqual(Array.from({ length: OWNERS }, () => 201));
    // The embedded store has one owner at a time: the audit reads it once the server is down.
    await expectNoDuplicates([server], ns, answers, async () => {
      await server.kill();
      const s = await EmbeddedStorage.open(join(server.dataDir, 'store'));
      return { storage: s, done: () => s.close() };
    });
  });
});
