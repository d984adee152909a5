// Lists from the watch cache: an unchanged collection is handed out as the same array
// (its serialized form is then reused), and any change, anywhere in the resource, makes
// the next list a fresh one that shows it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedStorage } from '../../storage/embedded/index.js';
import type { KubeObject } from '../../src/api/object.js';
import { encodeObject } from '../../src/registry/codec.js';
import { WatchCache } from '../../src/registry/watch-cache.js';

const PREFIX = '/registry/test/widgets/';
let dir: string;
let storage: EmbeddedStorage;
let cache: WatchCache;

const widget = (namespace: string, name: string, size: number): KubeObject =>
  ({ apiVersion: 'test/v1', kind: 'Widget', metadata: { namespace, name }, spec: { size } }) as KubeObject;
const key = (namespace: string, name: string) => `${PREFIX}${namespace}/${name}`;
const names = (items: KubeObject[]) => items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);

/** Writes through storage, then waits until the cache has seen the write. */
async function write(op: () => Promise<{ modRevision: number }>): Promise<void> {
  const { modRevision } = await op();
  expect(await cache.waitFor(modRevision, 5000)).toBe(true);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'watch-cache-list-'));
  storage = await EmbeddedStorage.open(dir);
  await storage.create(key('a', 'one'), encodeObject(widget('a', 'one', 1)));
  await storage.create(key('b', 'two'), encodeObject(widget('b', 'two', 2)));
  cache = new WatchCache(storage, PREFIX);
  await cache.start();
});
afterEach(async () => {
  cache.close();
  await storage.close();
  await rm(dir, { recursive: true, force: true });
});

describe('watch cache lists', () => {
  it('hand out the same array while nothing changes, for the same prefix only', () => {
    const first = cache.list(PREFIX).items;
    expect(names(first)).toEqual(['a/one', 'b/two']);
    expect(cache.list(PREFIX).items).toBe(first);
    const inA = cache.list(`${PREFIX}a/`).items;
    expect(names(inA)).toEqual(['a/one']);
    expect(names(cache.list(PREFIX).items)).toEqual(['a/one', 'b/two']);
  });

  it('show an added object, a modified one and a deleted one in the very next list', async () => {
    const before = cache.list(PREFIX).items;

    await write(() => storage.create(key('a', 'three'), encodeObject(widget('a', 'three', 3))));
    const added = cache.list(PREFIX).items;
    expect(added).not.toBe(before);
    expect(names(added)).toEqual(['a/one', 'a/three', 'b/two']);

    const current = (await storage.get(key('b', 'two')))!;
    await write(() => storage.update(key('b', 'two'), encodeObject(widget('b', 'two', 20)), current.modRevision));
    const modified = cache.list(PREFIX).items;
    expect(modified).not.toBe(added);
    expect(modified.find((o) => o.metadata.name === 'two')!.spec).toEqual({ size: 20 });

    await write(() => storage.delete(key('a', 'one')));
    expect(names(cache.list(PREFIX).items)).toEqual(['a/three', 'b/two']);
  });

  it('show a change in another namespace to a list of that namespace', async () => {
    expect(names(cache.list(`${PREFIX}b/`).items)).toEqual(['b/two']);
    await write(() => storage.create(key('b', 'four'), encodeObject(widget('b', 'four', 4))));
    expect(names(cache.list(`${PREFIX}b/`).items)).toEqual(['b/four', 'b/two']);
  });
});
