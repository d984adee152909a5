import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EtcdStorage } from '../../storage/etcd.js';
import { NotFoundError, UnavailableError, type Storage, type WatchEvent } from '../../storage/interface.js';
import { freePort, startEtcd, type RunningEtcd } from '../support/etcd.js';
import { runStorageConformance } from './conformance.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array) => new TextDecoder().decode(value);
const eventually = { timeout: 10_000, interval: 20 };

let etcd: RunningEtcd;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

runStorageConformance('etcd', async () => {
  const storage = new EtcdStorage({ endpoints: [etcd.endpoint] });
  return { storage, cleanup: () => storage.close() };
});

describe('etcd storage', () => {
  describe('key prefix', () => {
    let a: EtcdStorage;
    let b: EtcdStorage;
    let raw: Etcd3;
    const prefixA = `/prefix-a-${randomUUID()}`;
    const prefixB = `/prefix-b-${randomUUID()}`;

    beforeAll(() => {
      a = new EtcdStorage({ endpoints: [etcd.endpoint], prefix: prefixA });
      b = new EtcdStorage({ endpoints: [etcd.endpoint], prefix: prefixB });
      raw = new Etcd3({ hosts: etcd.endpoint });
    });
    afterAll(async () => {
      await a.close();
      await b.close();
      raw.close();
    });

    it('stores keys under the prefix and hands them back without it', async () => {
      const created = await a.create('/registry/x', bytes('from a'));
      expect(created.key).toBe('/registry/x');
      expect(await raw.get(`${prefixA}/registry/x`).string()).toBe('from a');
      expect((await a.list('/registry/')).items.map((kv) => kv.key)).toEqual(['/registry/x']);
    });

    it('keeps storages with different prefixes apart, including their watches', async () => {
      const start = await a.currentRevision();
      const seenByA: WatchEvent[] = [];
      const seenByB: WatchEvent[] = [];
      const errors: Error[] = [];
      const watchA = a.watch('/w/', start, { onEvent: (e) => seenByA.push(e), onError: (err) => errors.push(err) });
      const watchB = b.watch('/w/', start, { onEvent: (e) => seenByB.push(e), onError: (err) => errors.push(err) });

      await a.create('/w/shared', bytes('a'));
      await b.create('/w/shared', bytes('b'));
      await b.create('/w/only-b', bytes('b'));

      expect(text((await a.get('/w/shared'))!.value)).toBe('a');
      expect(text((await b.get('/w/shared'))!.value)).toBe('b');
      expect(await a.get('/w/only-b')).toBeNull();
      expect((await a.list('')).items.map((kv) => kv.key)).not.toContain('/w/only-b');
      await expect(a.delete('/w/only-b')).rejects.toBeInstanceOf(NotFoundError);

      await a.create('/w/sentinel', bytes('a'));
      await vi.waitFor(() => expect(seenByA.map((e) => e.kv.key)).toEqual(['/w/shared', '/w/sentinel']), eventually);
      await vi.waitFor(() => expect(seenByB.map((e) => e.kv.key)).toEqual(['/w/shared', '/w/only-b']), eventually);
      expect(seenByB.map((e) => text(e.kv.value))).toEqual(['b', 'b']);
      expect(errors).toEqual([]);
      watchA.close();
      watchB.close();
    });
  });

  describe('when etcd cannot be reached', () => {
    const timeoutMs = 1000;

    async function expectUnavailable(storage: Storage) {
      const started = Date.now();
      await expect(storage.get('/k')).rejects.toBeInstanceOf(UnavailableError);
      await expect(storage.create('/k', bytes('v'))).rejects.toBeInstanceOf(UnavailableError);
      await expect(storage.list('/')).rejects.toBeInstanceOf(UnavailableError);
      const errors: Error[] = [];
      const watch = storage.watch('/', 0, { onEvent: () => {}, onError: (err) => errors.push(err) });
      await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: timeoutMs * 3, interval: 20 });
      expect(errors[0]).toBeInstanceOf(UnavailableError);
      watch.close();
      // Three calls and a watch, each bounded by the timeout, with room for a slow machine.
      expect(Date.now() - started).toBeLessThan(timeoutMs * 6);
    }

    it('fails fast with UnavailableError when nothing listens', async () => {
      const storage = new EtcdStorage({ endpoints: [`http://127.0.0.1:${await freePort()}`], requestTimeoutMs: timeoutMs });
      try {
        await expectUnavailable(storage);
      } finally {
        await storage.close();
      }
    });

    it('fails with UnavailableError within the timeout when the peer accepts but never answers', async () => {
      const sockets = new Set<Socket>();
      const silent: Server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as { port: number };
      const storage = new EtcdStorage({ endpoints: [`http://127.0.0.1:${port}`], requestTimeoutMs: timeoutMs });
      try {
        await expectUnavailable(storage);
      } finally {
        await storage.close();
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    it('ends a running watch with UnavailableError when etcd goes away', async () => {
      const doomed = await startEtcd();
      const storage = new EtcdStorage({ endpoints: [doomed.endpoint], requestTimeoutMs: timeoutMs });
      try {
        const events: WatchEvent[] = [];
        const errors: Error[] = [];
        storage.watch('/', await storage.currentRevision(), {
          onEvent: (e) => events.push(e),
          onError: (err) => errors.push(err),
        });
        await storage.create('/k', bytes('v'));
        await vi.waitFor(() => expect(events).toHaveLength(1), eventually);

        await doomed.stop();
        await vi.waitFor(() => expect(errors).toHaveLength(1), eventually);
        expect(errors[0]).toBeInstanceOf(UnavailableError);
      } finally {
        await storage.close();
        await doomed.stop();
      }
    });
  });
});
