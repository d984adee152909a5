import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { guaranteedUpdate } from '../../storage/guaranteed-update.js';
import {
  CompactedError,
  ConflictError,
  FutureRevisionError,
  KeyExistsError,
  NotFoundError,
  TxnFailedError,
  type KeyValue,
  type Storage,
  type WatchEvent,
} from '../../storage/interface.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (kv: KeyValue | null | undefined) => (kv ? new TextDecoder().decode(kv.value) : undefined);
const keysOf = (items: KeyValue[]) => items.map((kv) => kv.key);
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const eventually = { timeout: 10_000, interval: 20 };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

/** A watch that keeps everything it is told. */
function recordWatch(storage: Storage, prefix: string, afterRevision: number) {
  const events: WatchEvent[] = [];
  const errors: Error[] = [];
  const watch = storage.watch(prefix, afterRevision, {
    onEvent: (event) => events.push(event),
    onError: (err) => errors.push(err),
  });
  return { events, errors, close: () => watch.close() };
}

/** What a Kubernetes watcher derives from an event, in a form that compares readably. */
function describeEvent(event: WatchEvent) {
  const kind = event.type === 'delete' ? 'DELETED' : event.kv.createRevision === event.kv.modRevision ? 'ADDED' : 'MODIFIED';
  return {
    kind,
    key: event.kv.key,
    value: text(event.kv),
    revision: event.revision,
    modRevision: event.kv.modRevision,
    prev: text(event.prevKv),
  };
}

/**
 * The storage contract as tests: every backend must pass all of them. `open` is called
 * once for the suite; each test works under its own random key prefix.
 */
export function runStorageConformance(
  backendName: string,
  open: () => Promise<{ storage: Storage; cleanup(): Promise<void> }>,
): void {
  describe(`storage conformance: ${backendName}`, () => {
    let storage: Storage;
    let cleanup: (() => Promise<void>) | undefined;
    let p: string;

    beforeAll(async () => {
      ({ storage, cleanup } = await open());
    });
    afterAll(async () => {
      await cleanup?.();
    });
    beforeEach(() => {
      p = `/conformance/${randomUUID()}/`;
    });

    describe('single keys', () => {
      it('creates a key once and reads it back', async () => {
        expect(await storage.get(`${p}k`)).toBeNull();
        const created = await storage.create(`${p}k`, bytes('v1'));
        expect(created).toMatchObject({ key: `${p}k`, createRevision: created.modRevision });
        expect(text(created)).toBe('v1');

        const read = await storage.get(`${p}k`);
        expect(read).toMatchObject({ key: `${p}k`, createRevision: created.modRevision, modRevision: created.modRevision });
        expect(text(read)).toBe('v1');

        const err = await rejection(storage.create(`${p}k`, bytes('v2')));
        expect(err).toBeInstanceOf(KeyExistsError);
        expect(err).toMatchObject({ key: `${p}k` });
        expect(text(await storage.get(`${p}k`))).toBe('v1');
      });

      it('updates only at the expected mod revision', async () => {
        const created = await storage.create(`${p}k`, bytes('v1'));
        const updated = await storage.update(`${p}k`, bytes('v2'), created.modRevision);
        expect(updated.modRevision).toBeGreaterThan(created.modRevision);
        expect(updated.createRevision).toBe(created.createRevision);
        expect(text(updated)).toBe('v2');

        const stale = await rejection(storage.update(`${p}k`, bytes('v3'), created.modRevision));
        expect(stale).toBeInstanceOf(ConflictError);
        expect(stale).toMatchObject({
          key: `${p}k`,
          expectedModRevision: created.modRevision,
          actualModRevision: updated.modRevision,
        });
        expect(await storage.get(`${p}k`)).toMatchObject({ modRevision: updated.modRevision });
        expect(text(await storage.get(`${p}k`))).toBe('v2');

        const missing = await rejection(storage.update(`${p}missing`, bytes('x'), updated.modRevision));
        expect(missing).toBeInstanceOf(NotFoundError);
        expect(missing).toMatchObject({ key: `${p}missing` });
        expect(await storage.get(`${p}missing`)).toBeNull();
      });

      it('deletes returning the deleted value, honouring a mod revision precondition', async () => {
        const created = await storage.create(`${p}k`, bytes('v1'));
        const updated = await storage.update(`${p}k`, bytes('v2'), created.modRevision);

        const conflict = await rejection(storage.delete(`${p}k`, { expectedModRevision: created.modRevision }));
        expect(conflict).toBeInstanceOf(ConflictError);
        expect(conflict).toMatchObject({ expectedModRevision: created.modRevision, actualModRevision: updated.modRevision });
        expect(await storage.get(`${p}k`)).not.toBeNull();

        const deleted = await storage.delete(`${p}k`, { expectedModRevision: updated.modRevision });
        expect(deleted).toMatchObject({ key: `${p}k`, createRevision: created.createRevision, modRevision: updated.modRevision });
        expect(text(deleted)).toBe('v2');
        expect(await storage.get(`${p}k`)).toBeNull();

        await storage.create(`${p}other`, bytes('x'));
        expect(text(await storage.delete(`${p}other`))).toBe('x');

        expect(await rejection(storage.delete(`${p}k`))).toBeInstanceOf(NotFoundError);
        expect(await rejection(storage.delete(`${p}k`, { expectedModRevision: updated.modRevision }))).toBeInstanceOf(
          NotFoundError,
        );
      });

      it('gives a re-created key a fresh create revision', async () => {
        const first = await storage.create(`${p}k`, bytes('v1'));
        await storage.delete(`${p}k`);
        const second = await storage.create(`${p}k`, bytes('v2'));
        expect(second.createRevision).toBeGreaterThan(first.createRevision);
        expect(second.createRevision).toBe(second.modRevision);
      });

      it('advances the revision strictly with every write, and currentRevision follows it', async () => {
        const revisions = [await storage.currentRevision()];
        const a = await storage.create(`${p}a`, bytes('1'));
        revisions.push(a.modRevision);
        const b = await storage.create(`${p}b`, bytes('1'));
        revisions.push(b.modRevision);
        revisions.push((await storage.update(`${p}a`, bytes('2'), a.modRevision)).modRevision);
        expect(await storage.currentRevision()).toBe(revisions.at(-1));
        await storage.delete(`${p}b`);
        revisions.push(await storage.currentRevision());
        revisions.push((await storage.txn([{ type: 'create', key: `${p}c`, value: bytes('1') }])).revision);
        expect(await storage.currentRevision()).toBe(revisions.at(-1));

        for (let i = 1; i < revisions.length; i++) expect(revisions[i]).toBeGreaterThan(revisions[i - 1]!);
      });

      it('stores values as opaque bytes, including empty ones', async () => {
        const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
        await storage.create(`${p}bin`, everyByte);
        await storage.create(`${p}empty`, new Uint8Array());
        expect(Array.from((await storage.get(`${p}bin`))!.value)).toEqual(Array.from(everyByte));
        expect((await storage.get(`${p}empty`))!.value.length).toBe(0);
        const listed = await storage.list(p);
        expect(Array.from(listed.items[0]!.value)).toEqual(Array.from(everyByte));
      });
    });

    describe('list', () => {
      it('returns exactly the keys under the prefix, in byte order', async () => {
        // '～' (U+FF5E) sorts before '😀' in UTF-8 bytes but after it in UTF-16 code units.
        const names = ['b', 'a', 'B', 'a-', 'a/b', '~', 'é', '😀', '～'];
        for (const name of names) await storage.create(`${p}in/${name}`, bytes(name));
        await storage.create(`${p}in`, bytes('the prefix without its slash'));
        await storage.create(`${p}inside`, bytes('a sibling sharing the letters'));
        await storage.create(`${p}other/a`, bytes('elsewhere'));

        const result = await storage.list(`${p}in/`);
        expect(keysOf(result.items)).toEqual(names.map((n) => `${p}in/${n}`).sort(byteOrder));
        expect(result.items.map(text)).toEqual([...names].sort(byteOrder));
        expect(result).toMatchObject({ more: false, remaining: 0, revision: await storage.currentRevision() });

        expect((await storage.list(p)).items).toHaveLength(names.length + 3);
        expect((await storage.list(`${p}nothing/`)).items).toEqual([]);
      });

      it('pages with limit and startKey, counting what remains', async () => {
        const keys = ['k1', 'k2', 'k3', 'k4', 'k5'].map((k) => `${p}${k}`);
        for (const key of keys) await storage.create(key, bytes(key));

        const pages: { keys: string[]; more: boolean; remaining: number }[] = [];
        let startKey: string | undefined;
        let revision: number | undefined;
        do {
          const page = await storage.list(p, { limit: 2, ...(startKey && { startKey }), ...(revision && { revision }) });
          pages.push({ keys: keysOf(page.items), more: page.more, remaining: page.remaining });
          revision ??= page.revision;
          expect(page.revision).toBe(revision);
          startKey = page.more ? `${page.items.at(-1)!.key}\0` : undefined;
        } while (startKey);

        expect(pages).toEqual([
          { keys: keys.slice(0, 2), more: true, remaining: 3 },
          { keys: keys.slice(2, 4), more: true, remaining: 1 },
          { keys: keys.slice(4), more: false, remaining: 0 },
        ]);
        expect(await storage.list(p, { limit: 5 })).toMatchObject({ more: false, remaining: 0 });
      });

      it('keeps later pages at the first page revision while writes go on', async () => {
        const kvs: KeyValue[] = [];
        for (const k of ['k0', 'k1', 'k2', 'k3', 'k4', 'k5']) kvs.push(await storage.create(`${p}${k}`, bytes(`${k}-old`)));

        const first = await storage.list(p, { limit: 3 });
        expect(keysOf(first.items)).toEqual([`${p}k0`, `${p}k1`, `${p}k2`]);
        expect(first).toMatchObject({ more: true, remaining: 3 });

        await storage.update(`${p}k3`, bytes('k3-new'), kvs[3]!.modRevision);
        await storage.delete(`${p}k4`);
        await storage.create(`${p}k2a`, bytes('k2a-new'));
        await storage.create(`${p}k6`, bytes('k6-new'));

        const second = await storage.list(p, { revision: first.revision, startKey: `${p}k2\0`, limit: 3 });
        expect(second.revision).toBe(first.revision);
        expect(second.items.map(text)).toEqual(['k3-old', 'k4-old', 'k5-old']);
        expect(second.items[0]!.modRevision).toBe(kvs[3]!.modRevision);
        expect(second).toMatchObject({ more: false, remaining: 0 });

        const now = await storage.list(p);
        expect(now.items.map(text)).toEqual(['k0-old', 'k1-old', 'k2-old', 'k2a-new', 'k3-new', 'k5-old', 'k6-new']);
        expect(now.revision).toBeGreaterThan(first.revision);
      });

      it('refuses revisions it has not reached yet', async () => {
        await storage.create(`${p}k`, bytes('v'));
        const current = await storage.currentRevision();
        const err = await rejection(storage.list(p, { revision: current + 1000 }));
        expect(err).toBeInstanceOf(FutureRevisionError);
        expect(err).toMatchObject({ requestedRevision: current + 1000, currentRevision: current });
      });
    });

    describe('transactions', () => {
      it('commits every op at one revision, reporting results in op order', async () => {
        const b = await storage.create(`${p}b`, bytes('b1'));
        await storage.create(`${p}c`, bytes('c1'));

        const result = await storage.txn([
          { type: 'create', key: `${p}a`, value: bytes('a1') },
          { type: 'update', key: `${p}b`, value: bytes('b2'), expectedModRevision: b.modRevision },
          { type: 'delete', key: `${p}c` },
        ]);

        expect(result.revision).toBe(await storage.currentRevision());
        expect(result.results.map((kv) => [kv.key, text(kv)])).toEqual([
          [`${p}a`, 'a1'],
          [`${p}b`, 'b2'],
          [`${p}c`, 'c1'],
        ]);
        expect(result.results[0]).toMatchObject({ createRevision: result.revision, modRevision: result.revision });
        expect(result.results[1]).toMatchObject({ createRevision: b.createRevision, modRevision: result.revision });
        expect((await storage.list(p)).items.map((kv) => [kv.key, text(kv), kv.modRevision])).toEqual([
          [`${p}a`, 'a1', result.revision],
          [`${p}b`, 'b2', result.revision],
        ]);
      });

      it('commits nothing when one op fails, naming the first failing op', async () => {
        const b = await storage.create(`${p}b`, bytes('b1'));
        const b2 = await storage.update(`${p}b`, bytes('b2'), b.modRevision);
        await storage.create(`${p}c`, bytes('c1'));
        const before = await storage.currentRevision();

        const err = await rejection(
          storage.txn([
            { type: 'create', key: `${p}a`, value: bytes('a1') },
            { type: 'update', key: `${p}b`, value: bytes('b3'), expectedModRevision: b.modRevision },
            { type: 'delete', key: `${p}c` },
            { type: 'delete', key: `${p}missing` },
          ]),
        );
        expect(err).toBeInstanceOf(TxnFailedError);
        const failed = err as TxnFailedError;
        expect(failed.opIndex).toBe(1);
        expect(failed.cause).toBeInstanceOf(ConflictError);
        expect(failed.cause).toMatchObject({
          key: `${p}b`,
          expectedModRevision: b.modRevision,
          actualModRevision: b2.modRevision,
        });

        expect(await storage.get(`${p}a`)).toBeNull();
        expect(text(await storage.get(`${p}b`))).toBe('b2');
        expect(text(await storage.get(`${p}c`))).toBe('c1');
        expect(await storage.currentRevision()).toBe(before);
      });

      it('names the cause of each kind of failure', async () => {
        const a = await storage.create(`${p}a`, bytes('a'));
        const failure = async (ops: Parameters<Storage['txn']>[0]) => (await rejection(storage.txn(ops))) as TxnFailedError;

        const exists = await failure([{ type: 'create', key: `${p}a`, value: bytes('x') }]);
        expect(exists).toMatchObject({ opIndex: 0 });
        expect(exists.cause).toBeInstanceOf(KeyExistsError);

        const missingUpdate = await failure([
          { type: 'create', key: `${p}new`, value: bytes('x') },
          { type: 'update', key: `${p}missing`, value: bytes('x'), expectedModRevision: a.modRevision },
        ]);
        expect(missingUpdate).toMatchObject({ opIndex: 1 });
        expect(missingUpdate.cause).toBeInstanceOf(NotFoundError);

        const missingDelete = await failure([
          { type: 'update', key: `${p}a`, value: bytes('y'), expectedModRevision: a.modRevision },
          { type: 'create', key: `${p}new`, value: bytes('x') },
          { type: 'delete', key: `${p}missing` },
        ]);
        expect(missingDelete).toMatchObject({ opIndex: 2 });
        expect(missingDelete.cause).toBeInstanceOf(NotFoundError);

        const staleDelete = await failure([{ type: 'delete', key: `${p}a`, expectedModRevision: a.modRevision - 1 }]);
        expect(staleDelete.cause).toBeInstanceOf(ConflictError);

        expect(await storage.get(`${p}new`)).toBeNull();
        expect(await storage.get(`${p}a`)).toMatchObject({ modRevision: a.modRevision });
      });

      it('loses no increment among concurrent guaranteed updates of one key', async () => {
        const workers = 32;
        const increments = 10;
        const key = `${p}counter`;
        const increment = (current: KeyValue | null) => bytes(String(Number(text(current) ?? '0') + 1));
        await Promise.all(
          Array.from({ length: workers }, async () => {
            for (let i = 0; i < increments; i++) await guaranteedUpdate(storage, key, increment);
          }),
        );
        expect(text(await storage.get(key))).toBe(String(workers * increments));
      });
    });

    describe('watch', () => {
      it('delivers every event after the start revision exactly once, in order', async () => {
        const k1 = await storage.create(`${p}k1`, bytes('v1'));
        await storage.update(`${p}k1`, bytes('v2'), k1.modRevision);
        const k2 = await storage.create(`${p}k2`, bytes('x'));

        const fromStart = recordWatch(storage, p, k1.modRevision - 1);

        const k2y = await storage.update(`${p}k2`, bytes('y'), k2.modRevision);
        await storage.delete(`${p}k1`);
        const deletedAt = await storage.currentRevision();
        await storage.create(`${p}k1`, bytes('v3'));
        const pair = await storage.txn([
          { type: 'create', key: `${p}k3`, value: bytes('z3') },
          { type: 'create', key: `${p}k4`, value: bytes('z4') },
        ]);
        await storage.delete(`${p}k2`, { expectedModRevision: k2y.modRevision });

        const expected = [
          { kind: 'ADDED', key: `${p}k1`, value: 'v1', prev: undefined },
          { kind: 'MODIFIED', key: `${p}k1`, value: 'v2', prev: 'v1' },
          { kind: 'ADDED', key: `${p}k2`, value: 'x', prev: undefined },
          { kind: 'MODIFIED', key: `${p}k2`, value: 'y', prev: 'x' },
          { kind: 'DELETED', key: `${p}k1`, value: 'v2', revision: deletedAt, modRevision: deletedAt },
          { kind: 'ADDED', key: `${p}k1`, value: 'v3', prev: undefined },
          { kind: 'ADDED', key: `${p}k3`, value: 'z3', revision: pair.revision },
          { kind: 'ADDED', key: `${p}k4`, value: 'z4', revision: pair.revision },
          { kind: 'DELETED', key: `${p}k2`, value: 'y' },
        ];
        await vi.waitFor(() => expect(fromStart.events).toHaveLength(expected.length), eventually);
        // A last write flushes out anything delivered twice or out of turn.
        await storage.create(`${p}sentinel`, bytes('s'));
        await vi.waitFor(() => expect(fromStart.events).toHaveLength(expected.length + 1), eventually);

        const seen = fromStart.events.map(describeEvent);
        expect(seen.slice(0, -1)).toMatchObject(expected);
        expect(seen.at(-1)).toMatchObject({ kind: 'ADDED', key: `${p}sentinel` });
        for (let i = 1; i < seen.length; i++) expect(seen[i]!.revision).toBeGreaterThanOrEqual(seen[i - 1]!.revision);
        expect(seen[0]!.revision).toBe(k1.modRevision);
        for (const event of fromStart.events) {
          if (event.type === 'put') expect(event.kv.modRevision).toBe(event.revision);
        }
        expect(fromStart.events[4]!.kv.createRevision).toBe(k1.createRevision);
        expect(fromStart.errors).toEqual([]);

        // Starting later skips exactly what happened up to the start revision.
        const fromMiddle = recordWatch(storage, p, k2y.modRevision);
        await vi.waitFor(() => expect(fromMiddle.events).toHaveLength(6), eventually);
        expect(fromMiddle.events.map(describeEvent)).toEqual(seen.slice(4));

        fromStart.close();
        fromMiddle.close();
      });

      it('delivers only events under its prefix', async () => {
        const watch = recordWatch(storage, `${p}a/`, await storage.currentRevision());
        await storage.create(`${p}b/x`, bytes('1'));
        await storage.create(`${p}ab`, bytes('2'));
        await storage.create(`${p}a`, bytes('3'));
        await storage.create(`${p}a/x`, bytes('4'));
        await storage.create(`${p}a/sentinel`, bytes('5'));
        await vi.waitFor(() => expect(watch.events).toHaveLength(2), eventually);
        expect(watch.events.map((e) => e.kv.key)).toEqual([`${p}a/x`, `${p}a/sentinel`]);
        watch.close();
      });

      it('stops delivering once closed', async () => {
        const start = await storage.currentRevision();
        const closing = recordWatch(storage, p, start);
        await storage.create(`${p}before`, bytes('1'));
        await vi.waitFor(() => expect(closing.events).toHaveLength(1), eventually);
        closing.close();

        const after = await storage.create(`${p}after`, bytes('2'));
        // A second watch proves the write was delivered to anyone still listening.
        const witness = recordWatch(storage, p, start);
        await vi.waitFor(() => expect(witness.events).toHaveLength(2), eventually);
        expect(witness.events[1]!.revision).toBe(after.modRevision);
        expect(closing.events.map((e) => e.kv.key)).toEqual([`${p}before`]);
        expect(closing.errors).toEqual([]);
        witness.close();
      });

      it('reports progress past writes to other prefixes when asked', async () => {
        const progress: number[] = [];
        const quiet = storage.watch(`${p}quiet/`, await storage.currentRevision(), {
          onEvent: () => {
            throw new Error('no event expected under the quiet prefix');
          },
          onError: (err) => {
            throw err;
          },
          onProgress: (revision) => progress.push(revision),
        });
        const elsewhere = await storage.create(`${p}busy/x`, bytes('1'));
        // Ask until the answer covers the write: a request may race the watch's creation.
        await vi.waitFor(() => {
          quiet.requestProgress();
          expect(Math.max(0, ...progress)).toBeGreaterThanOrEqual(elsewhere.modRevision);
        }, eventually);
        quiet.close();
      });
    });

    describe('compaction', () => {
      it('fails reads and watches from before the compacted revision with CompactedError', async () => {
        const k = await storage.create(`${p}k`, bytes('v1'));
        await storage.update(`${p}k`, bytes('v2'), k.modRevision);
        const compactAt = await storage.currentRevision();
        await storage.compact(compactAt);

        const listErr = await rejection(storage.list(p, { revision: k.modRevision }));
        expect(listErr).toBeInstanceOf(CompactedError);
        expect(listErr).toMatchObject({ requestedRevision: k.modRevision, compactRevision: compactAt });

        const stale = recordWatch(storage, p, k.modRevision - 1);
        await vi.waitFor(() => expect(stale.errors).toHaveLength(1), eventually);
        expect(stale.errors[0]).toBeInstanceOf(CompactedError);
        expect(stale.errors[0]).toMatchObject({ compactRevision: compactAt });
        expect(stale.events).toEqual([]);
        stale.close();

        // The compacted revision itself and everything after it stay available.
        expect((await storage.list(p, { revision: compactAt })).items.map(text)).toEqual(['v2']);
        const fresh = recordWatch(storage, p, compactAt);
        const later = await storage.create(`${p}later`, bytes('v'));
        await vi.waitFor(() => expect(fresh.events).toHaveLength(1), eventually);
        expect(fresh.events[0]!.revision).toBe(later.modRevision);
        expect(fresh.errors).toEqual([]);
        fresh.close();
      });

      it('keeps the latest value of every live key, non-ASCII keys too, and forgets deleted ones', async () => {
        const names = ['plain', 'é', '😀', '～'];
        for (const name of names) {
          const v1 = await storage.create(`${p}c/${name}`, bytes(`${name}1`));
          await storage.update(`${p}c/${name}`, bytes(`${name}2`), v1.modRevision);
        }
        await storage.delete(`${p}c/é`);
        // Compacted past the delete: nothing of that key is left to keep.
        await storage.create(`${p}elsewhere`, bytes('x'));
        await storage.compact(await storage.currentRevision());

        const live = names.filter((n) => n !== 'é');
        for (const name of live) expect(text((await storage.get(`${p}c/${name}`))!)).toBe(`${name}2`);
        expect(await storage.get(`${p}c/é`)).toBeNull();
        expect((await storage.list(`${p}c/`)).items.map(text)).toEqual(live.map((n) => `${n}2`).sort(byteOrder));

        // Compacted keys take new writes, and a deleted one can be created again.
        const emoji = (await storage.get(`${p}c/😀`))!;
        await storage.update(`${p}c/😀`, bytes('😀3'), emoji.modRevision);
        await storage.create(`${p}c/é`, bytes('é3'));
        expect(text((await storage.get(`${p}c/😀`))!)).toBe('😀3');
        expect(text((await storage.get(`${p}c/é`))!)).toBe('é3');
        expect((await storage.list(`${p}c/`)).items.map(text)).toEqual(['plain2', 'é3', '～2', '😀3'].sort(byteOrder));
      });
    });
  });
}
