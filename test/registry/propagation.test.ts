// Foreground and Orphan deletion hand an object to the garbage collector through a
// finalizer. Only a server whose objects a garbage collector works on may add it: in
// standalone mode nobody would ever remove it, and the object would never go.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedStorage } from '../../storage/embedded/index.js';
import { createAdmission } from '../../src/admission/index.js';
import { loadKinds } from '../../src/api/kinds.js';
import type { KubeObject } from '../../src/api/object.js';
import { ConsistentRevision } from '../../src/registry/consistent-revision.js';
import { ResourceStore } from '../../src/registry/resource-store.js';
import { router } from '../server/objects.js';

const kinds = loadKinds();
const routerKind = kinds.find((k) => k.kind === 'BGPRouter')!;
let dir: string;
let storage: EmbeddedStorage;
const stores: ResourceStore[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'propagation-'));
  storage = await EmbeddedStorage.open(dir);
});
afterAll(async () => {
  for (const s of stores) s.cache.close();
  await storage?.close();
  await rm(dir, { recursive: true, force: true });
});

function storeFor(garbageCollected: boolean): ResourceStore {
  const store = new ResourceStore(routerKind, { storage, admission: createAdmission(kinds), consistentRevision: new ConsistentRevision(storage), garbageCollected });
  stores.push(store);
  return store;
}

describe.each([
  ['Foreground', 'foregroundDeletion'],
  ['Orphan', 'orphan'],
] as const)('%s deletion', (policy, finalizer) => {
  it('deletes at once where no garbage collector runs', async () => {
    const store = storeFor(false);
    const ns = `standalone-${policy.toLowerCase()}`;
    await store.create(ns, router('r') as KubeObject, { fieldManager: 'test' });
    const result = await store.delete(ns, 'r', { propagationPolicy: policy });
    expect(result.deleted).toBe(true);
    await expect(store.get(ns, 'r')).rejects.toMatchObject({ status: { code: 404 } });
  });

  it(`leaves the object to the garbage collector (${finalizer}) where one runs`, async () => {
    const store = storeFor(true);
    const ns = `collected-${policy.toLowerCase()}`;
    await store.create(ns, router('r') as KubeObject, { fieldManager: 'test' });
    const result = await store.delete(ns, 'r', { propagationPolicy: policy });
    expect(result.deleted).toBe(false);
    expect(result.object.metadata).toMatchObject({ finalizers: [finalizer], deletionTimestamp: expect.any(String) });
  });
});
