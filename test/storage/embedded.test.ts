import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedStorage, type EmbeddedStorageOptions } from '../../storage/embedded/index.js';
import {
  CompactedError,
  StorageError,
  UnavailableError,
  type KeyValue,
  type Storage,
  type WatchEvent,
} from '../../storage/interface.js';
import { runStorageConformance } from './conformance.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (kv: KeyValue | null | undefined) => (kv ? new TextDecoder().decode(kv.value) : undefined);
const eventually = { timeout: 10_000, interval: 10 };

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'embedded-storage-'));
  tempDirs.push(dir);
  return dir;
}

runStorageConformance('embedded', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'embedded-conformance-'));
  const storage = await EmbeddedStorage.open(dir);
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

/** Everything a client can observe, in a form that compares readably. */
const describeKv = (kv: KeyValue) => [kv.key, text(kv), kv.createRevision, kv.modRevision];
const describeEvent = (e: WatchEvent) => ({
  type: e.type,
  revision: e.revision,
  kv: describeKv(e.kv),
  prev: e.prevKv && describeKv(e.prevKv),
});

/** The events a fresh watch replays from `afterRevision` up to the store's current revision. */
async function replay(storage: Storage, prefix: string, afterRevision: number) {
  const until = await storage.currentRevision();
  const events: WatchEvent[] = [];
  const errors: Error[] = [];
  const watch = storage.watch(prefix, afterRevision, { onEvent: (e) => events.push(e), onError: (e) => errors.push(e) });
  await vi.waitFor(() => expect(errors.length > 0 || events.at(-1)?.revision === until).toBe(true), eventually);
  watch.close();
  expect(errors).toEqual([]);
  return events.map(describeEvent);
}

/** The whole observable state: the key space at each of `revisions` and now, and the history. */
async function observe(storage: Storage, revisions: number[], watchFrom: number) {
  const lists = [];
  for (const revision of [...revisions, 0]) {
    const list = await storage.list('/', { revision });
    lists.push({ ...list, items: list.items.map(describeKv) });
  }
  return { revision: await storage.currentRevision(), lists, history: await replay(storage, '/', watchFrom) };
}

/** A varied history: creates, updates, deletes, re-creates, transactions. Returns the revision after each step. */
async function writeHistory(storage: Storage, rounds: number, tag = ''): Promise<number[]> {
  const revisions: number[] = [];
  for (let n = 0; n < rounds; n++) {
    const i = `${tag}${n}`;
    const a = await storage.create(`/h/${i}/a`, bytes(`a${i}`));
    await storage.update(`/h/${i}/a`, bytes(`a${i}-2`), a.modRevision);
    const b = await storage.create(`/h/${i}/b`, bytes(`b${i}`));
    await storage.txn([
      { type: 'delete', key: `/h/${i}/b`, expectedModRevision: b.modRevision },
      { type: 'create', key: `/h/${i}/c`, value: bytes(`c${i}`) },
    ]);
    await storage.create(`/h/${i}/b`, bytes(`b${i}-again`));
    revisions.push(await storage.currentRevision());
  }
  return revisions;
}

async function segmentsOf(dir: string) {
  return (await readdir(dir)).filter((name) => name.endsWith('.log')).sort();
}

describe('embedded storage', () => {
  const open: EmbeddedStorage[] = [];
  async function openStore(dir: string, options?: EmbeddedStorageOptions) {
    const storage = await EmbeddedStorage.open(dir, options);
    open.push(storage);
    return storage;
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('starts empty at revision 1, like etcd', async () => {
    const storage = await openStore(await tempDir());
    expect(await storage.currentRevision()).toBe(1);
    expect(await storage.list('/')).toEqual({ items: [], revision: 1, more: false, remaining: 0 });
    expect((await storage.create('/k', bytes('v'))).modRevision).toBe(2);
  });

  it('sees identical state, revisions and history after a restart', async () => {
    const dir = await tempDir();
    const first = await openStore(dir);
    const revisions = await writeHistory(first, 5);
    await first.compact(revisions[1]!);
    await writeHistory(first, 1, 'later-');
    const before = await observe(first, revisions.slice(1), revisions[1]! - 1);
    await first.close();

    const second = await openStore(dir);
    expect(await observe(second, revisions.slice(1), revisions[1]! - 1)).toEqual(before);
    // Compaction survived too.
    await expect(second.list('/', { revision: revisions[0] })).rejects.toBeInstanceOf(CompactedError);
    // New writes continue the revision sequence and reach watches resumed from before the restart.
    const watched: WatchEvent[] = [];
    second.watch('/h/', before.revision, { onEvent: (e) => watched.push(e), onError: () => {} });
    const next = await second.create('/h/after-restart', bytes('x'));
    expect(next.modRevision).toBe(before.revision + 1);
    await vi.waitFor(() => expect(watched.map((e) => e.kv.key)).toEqual(['/h/after-restart']), eventually);
  });

  it('cuts off a torn record at the end of the log and keeps everything before it', async () => {
    const dir = await tempDir();
    const first = await openStore(dir);
    const kept = await first.create('/k/kept', bytes('kept'));
    const torn = await first.create('/k/torn', bytes('torn'));
    await first.close();
    const [segment] = await segmentsOf(dir);
    const path = join(dir, segment!);
    // A crash during the last write: its record only partly reached the disk.
    await truncate(path, (await stat(path)).size - 3);

    const second = await openStore(dir);
    expect(await second.currentRevision()).toBe(kept.modRevision);
    expect(text(await second.get('/k/kept'))).toBe('kept');
    expect(await second.get('/k/torn')).toBeNull();
    const next = await second.create('/k/next', bytes('next'));
    expect(next.modRevision).toBe(torn.modRevision);
    await second.close();

    // Records written after the cut are readable: the damaged bytes were removed, not skipped over.
    const third = await openStore(dir);
    expect((await third.list('/k/')).items.map(text)).toEqual(['kept', 'next']);
  });

  it('ignores garbage after the last record, including a zeroed tail', async () => {
    const dir = await tempDir();
    const first = await openStore(dir);
    for (let i = 0; i < 10; i++) await first.create(`/k/${i}`, bytes(`v${i}`));
    const revision = await first.currentRevision();
    await first.close();
    const path = join(dir, (await segmentsOf(dir))[0]!);
    await appendFile(path, Buffer.from([0x40, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]));

    const second = await openStore(dir);
    expect(await second.currentRevision()).toBe(revision);
    expect((await second.list('/k/')).items).toHaveLength(10);
    await second.close();
    await appendFile(path, Buffer.alloc(4096));

    const third = await openStore(dir);
    expect(await third.currentRevision()).toBe(revision);
    await third.create('/k/after', bytes('after'));
  });

  it('refuses to open a log that is damaged before its end', async () => {
    const dir = await tempDir();
    const storage = await openStore(dir);
    for (let i = 0; i < 10; i++) await storage.create(`/k/${i}`, bytes('x'.repeat(50)));
    await storage.close();
    const [segment] = await segmentsOf(dir);
    const path = join(dir, segment!);
    const data = await readFile(path);
    data[Math.floor(data.length / 2)] ^= 0xff;
    await writeFile(path, data);
    // A later segment (as a crash right after starting one leaves it) makes the damage not the end.
    await writeFile(join(dir, 'wal-9999999999999999.log'), '');
    await expect(EmbeddedStorage.open(dir)).rejects.toThrow(/damaged/);
  });

  it('refuses to open a damaged snapshot', async () => {
    const dir = await tempDir();
    const storage = await openStore(dir, { snapshotThresholdBytes: 200 });
    for (let i = 0; i < 10; i++) await storage.create(`/k/${i}`, bytes('x'.repeat(50)));
    await storage.close();
    const snapshot = (await readdir(dir)).find((name) => name.endsWith('.snap'));
    const path = join(dir, snapshot!);
    const data = await readFile(path);
    data[data.length - 1] ^= 0xff;
    await writeFile(path, data);
    await expect(EmbeddedStorage.open(dir)).rejects.toThrow(/damaged/);
  });

  it('lets only one store open a data dir at a time', async () => {
    const dir = await tempDir();
    const first = await openStore(dir);
    await first.create('/k', bytes('v'));

    await expect(EmbeddedStorage.open(dir)).rejects.toThrow(/already open in this process/);
    await symlink(dir, `${dir}-alias`);
    tempDirs.push(`${dir}-alias`);
    await expect(EmbeddedStorage.open(`${dir}-alias`)).rejects.toThrow(/already open in this process/);
    const fromAnotherProcess = await runNode(
      `import('${new URL('../../storage/embedded/index.ts', import.meta.url).href}')` +
        `.then((m) => m.EmbeddedStorage.open(${JSON.stringify(dir)}))` +
        `.then(() => console.log('opened'), (e) => console.log(e.message))`,
    );
    expect(fromAnotherProcess).toMatch(new RegExp(`in use by process ${process.pid}`));
    expect(text(await first.get('/k'))).toBe('v');

    await first.close();
    const second = await openStore(dir);
    expect(text(await second.get('/k'))).toBe('v');
  });

  it('takes over the lock of a process that died', async () => {
    const dir = await tempDir();
    await (await openStore(dir)).close();
    const deadPid = Number(await runNode('console.log(process.pid)'));
    await writeFile(join(dir, 'LOCK'), `${deadPid}\n`);
    const storage = await openStore(dir);
    expect((await storage.create('/k', bytes('v'))).modRevision).toBe(2);
  });

  it('snapshots and rotates the log, keeping everything, with bounded disk use', async () => {
    const dir = await tempDir();
    const options = { snapshotThresholdBytes: 4096 };
    const first = await openStore(dir, options);
    const revisions = await writeHistory(first, 40);
    await first.compact(revisions[20]!);
    revisions.push(...(await writeHistory(first, 40, 'later-')));
    for (let i = 0; i < 40; i++) await first.delete(`/h/${i}/c`);
    const kept = revisions.slice(21);
    const before = await observe(first, kept, revisions[20]! - 1);
    await first.close();

    const files = await readdir(dir);
    const snapshots = files.filter((name) => name.endsWith('.snap'));
    expect(snapshots).toHaveLength(1);
    expect((await segmentsOf(dir)).length).toBeLessThanOrEqual(2);
    let logBytes = 0;
    for (const name of await segmentsOf(dir)) logBytes += (await stat(join(dir, name))).size;
    expect(logBytes).toBeLessThan(2 * options.snapshotThresholdBytes);

    const second = await openStore(dir, options);
    expect(await observe(second, kept, revisions[20]! - 1)).toEqual(before);
    await expect(second.list('/', { revision: revisions[19] })).rejects.toBeInstanceOf(CompactedError);
  });

  it('calls watch handlers outside the write that caused the event, so handlers may write', async () => {
    const storage = await openStore(await tempDir());
    const inWriteCall: boolean[] = [];
    let writing = false;
    const echoes: Promise<KeyValue>[] = [];
    storage.watch('/w/', 1, {
      onEvent: (e) => {
        inWriteCall.push(writing);
        if (!e.kv.key.endsWith('-echo')) echoes.push(storage.create(`${e.kv.key}-echo`, e.kv.value));
      },
      onError: () => {},
    });
    for (const name of ['a', 'b', 'c']) {
      writing = true;
      const done = storage.create(`/w/${name}`, bytes(name));
      writing = false;
      await done;
    }
    await vi.waitFor(() => expect(inWriteCall).toHaveLength(6), eventually);
    await Promise.all(echoes);
    expect(inWriteCall.every((inside) => !inside)).toBe(true);
    expect((await storage.list('/w/')).items.map((kv) => kv.key)).toEqual([
      '/w/a',
      '/w/a-echo',
      '/w/b',
      '/w/b-echo',
      '/w/c',
      '/w/c-echo',
    ]);
  });

  it('ends watches on close and refuses work afterwards', async () => {
    const storage = await openStore(await tempDir());
    const errors: Error[] = [];
    const events: WatchEvent[] = [];
    storage.watch('/', 1, { onEvent: (e) => events.push(e), onError: (e) => errors.push(e) });
    const last = storage.create('/k', bytes('v'));
    await storage.close();
    // A write accepted before close is finished and delivered, not dropped.
    expect((await last).modRevision).toBe(2);
    expect(events.map((e) => e.revision)).toEqual([2]);
    expect(errors).toEqual([]);

    await expect(storage.get('/k')).rejects.toBeInstanceOf(UnavailableError);
    await expect(storage.create('/k2', bytes('v'))).rejects.toBeInstanceOf(UnavailableError);
    const late: Error[] = [];
    storage.watch('/', 1, { onEvent: () => {}, onError: (e) => late.push(e) });
    await vi.waitFor(() => expect(late[0]).toBeInstanceOf(UnavailableError), eventually);
  });

  it('refuses a transaction that names one key twice', async () => {
    const storage = await openStore(await tempDir());
    const ops = [
      { type: 'create' as const, key: '/k', value: bytes('1') },
      { type: 'delete' as const, key: '/k' },
    ];
    await expect(storage.txn(ops)).rejects.toBeInstanceOf(StorageError);
    expect(await storage.currentRevision()).toBe(1);
  });
});

/** Runs a script in a fresh node (with tsx) and returns what it printed. */
function runNode(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve(out.trim()));
  });
}
