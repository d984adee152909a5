// Watches as informers and kubectl use them: a chunked stream of JSON events from the
// watch cache, on each storage backend.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type Backend, type RunningApiServer, type WatchCollector } from '../support/apiserver.js';
import { router, routersPath } from './objects.js';

const MERGE = { 'Content-Type': 'application/merge-patch+json' };
const BOOKMARK_INTERVAL_MS = 500;

type Event = WatchCollector['events'][number];
const summary = (events: Event[]): string[] => events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`.trim());
const ofType = (events: Event[], type: string): Event[] => events.filter((e) => e.type === type);

describe.each<Backend>(['embedded', 'etcd'])('watch on the %s backend', (backend) => {
  let server: RunningApiServer;
  const open: WatchCollector[] = [];

  const watch = (path: string, headers?: Record<string, string>): WatchCollector => {
    const w = server.watch(path, { headers });
    open.push(w);
    return w;
  };
  const create = async (ns: string, obj: unknown): Promise<any> => {
    const res = await server.request('POST', routersPath(ns), { body: obj });
    expect(res.status, res.body).toBe(201);
    return res.json();
  };
  const patch = async (ns: string, name: string, body: unknown): Promise<any> => {
    const res = await server.request('PATCH', routersPath(ns, name), { body, headers: MERGE });
    expect(res.status, res.body).toBe(200);
    return res.json();
  };
  const remove = async (ns: string, name: string): Promise<any> => {
    const res = await server.request('DELETE', routersPath(ns, name));
    expect(res.status, res.body).toBe(200);
    return res.json();
  };
  const currentRv = async (ns: string): Promise<string> => (await server.request('GET', routersPath(ns))).json().metadata.resourceVersion;
  /** Gives a stream time to deliver anything it should not. */
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 300));

  beforeAll(async () => {
    server = await startApiServer({ backend, args: ['--watch-bookmark-interval', `${BOOKMARK_INTERVAL_MS}ms`] });
  });
  afterAll(async () => {
    for (const w of open) w.close();
    await server?.stop();
  });

  it('streams each event as it happens while the connection stays open', async () => {
    const w = watch(`${routersPath('flush')}?watch=true&resourceVersion=${await currentRv('flush')}`);
    await w.until(() => w.status === 200);
    expect(w.headers!['content-type']).toBe('application/json');
    expect(w.headers!['transfer-encoding']).toBe('chunked');
    let ended = false;
    void w.ended.then(() => (ended = true));
    const created = await create('flush', router('one'));
    await w.until((events) => events.length === 1);
    expect(w.events[0]).toEqual({ type: 'ADDED', object: created });
    await patch('flush', 'one', { spec: { localASN: 65002 } });
    await w.until((events) => events.length === 2);
    expect(w.events[1]!.type).toBe('MODIFIED');
    expect(ended).toBe(false);
  });

  it('streams JSON only: a YAML-only Accept is refused, a YAML-first one falls back', async () => {
    const yamlOnly = await server.request('GET', `${routersPath('flush')}?watch=true`, { headers: { Accept: 'application/yaml' } });
    expect(yamlOnly.status).toBe(406);
    expect(yamlOnly.json()).toMatchObject({ kind: 'Status', reason: 'NotAcceptable' });
    const w = watch(`${routersPath('flush')}?watch=true&timeoutSeconds=1`, { Accept: 'application/yaml, application/json' });
    await w.ended;
    expect(w.status).toBe(200);
    expect(w.headers!['content-type']).toBe('application/json');
  });

  it('resumes from a resourceVersion with exactly the later events', async () => {
    const a = await create('resume', router('a'));
    const modified = await patch('resume', 'a', { metadata: { labels: { step: '2' } } });
    const b = await create('resume', router('b'));
    const deleted = await remove('resume', 'a');

    const w = watch(`${routersPath('resume')}?watch=true&resourceVersion=${a.metadata.resourceVersion}`);
    await w.until((events) => events.length >= 3);
    await settle();
    expect(summary(w.events)).toEqual(['MODIFIED a', 'ADDED b', 'DELETED a']);
    expect(w.events.map((e) => e.object.metadata.resourceVersion)).toEqual([modified.metadata.resourceVersion, b.metadata.resourceVersion, expect.any(String)]);
    expect(Number(w.events[2]!.object.metadata.resourceVersion)).toBeGreaterThan(Number(b.metadata.resourceVersion));
    expect(w.events[2]!.object.metadata.uid).toBe(deleted.metadata.uid);

    // From "now" nothing is replayed; from "0" (or unset) the current state comes as ADDED.
    const fromNow = watch(`${routersPath('resume')}?watch=true&resourceVersion=${await currentRv('resume')}`);
    const fromZero = watch(`${routersPath('resume')}?watch=true&resourceVersion=0`);
    const unset = watch(`${routersPath('resume')}?watch=true`);
    await fromZero.until((events) => events.length === 1);
    await unset.until((events) => events.length === 1);
    await settle();
    expect(fromNow.events).toEqual([]);
    expect(summary(fromZero.events)).toEqual(['ADDED b']);
    expect(summary(unset.events)).toEqual(['ADDED b']);
  });

  it('sends periodic bookmarks, also on a quiet watch, only to watches that allow them', async () => {
    const rv = await currentRv('bookmarks');
    const withBookmarks = watch(`${routersPath('bookmarks')}?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`);
    const without = watch(`${routersPath('bookmarks')}?watch=true&resourceVersion=${rv}`);
    await withBookmarks.until((events) => ofType(events, 'BOOKMARK').length >= 1, 20 * BOOKMARK_INTERVAL_MS);
    const created = await create('bookmarks', router('b'));
    const bookmarksAfterAdded = (events: Event[]): Event[] => ofType(events.slice(events.findIndex((e) => e.type === 'ADDED') + 1), 'BOOKMARK');
    await withBookmarks.until((events) => events.some((e) => e.type === 'ADDED') && bookmarksAfterAdded(events).length >= 1, 20 * BOOKMARK_INTERVAL_MS);
    for (const bookmark of ofType(withBookmarks.events, 'BOOKMARK')) {
      expect(bookmark.object).toEqual({ apiVersion: 'bgp.miloapis.com/v1alpha1', kind: 'BGPRouter', metadata: { resourceVersion: expect.any(String) } });
      expect(Number(bookmark.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(rv));
    }
    // A bookmark after an event is at least at that event's revision: resuming from it skips nothing.
    expect(Number(bookmarksAfterAdded(withBookmarks.events)[0]!.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(created.metadata.resourceVersion));
    expect(summary(without.events)).toEqual(['ADDED b']);
  });

  it('sends initial events then a bookmark marking their end (sendInitialEvents)', async () => {
    await create('initial', router('x'));
    await create('initial', router('y'));
    const w = watch(`${routersPath('initial')}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`);
    await w.until((events) => events.some((e) => e.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true'));
    expect(summary(w.events.slice(0, 3))).toEqual(['ADDED x', 'ADDED y', 'BOOKMARK']);
    const end = w.events[2]!.object;
    expect(end.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    expect(Number(end.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(w.events[1]!.object.metadata.resourceVersion));
    await patch('initial', 'x', { spec: { localASN: 65010 } });
    await w.until((events) => events.some((e) => e.type === 'MODIFIED'));

    // sendInitialEvents=false without a resourceVersion starts now: nothing is replayed.
    const fromNow = watch(`${routersPath('initial')}?watch=true&sendInitialEvents=false&resourceVersionMatch=NotOlderThan`);
    await fromNow.until(() => fromNow.status === 200);
    await patch('initial', 'y', { spec: { localASN: 65011 } });
    await fromNow.until((events) => events.length >= 1);
    await settle();
    expect(summary(fromNow.events)).toEqual(['MODIFIED y']);

    const rejected = await server.request('GET', `${routersPath('initial')}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true`);
    expect(rejected.status).toBe(422);
    expect(rejected.json()).toMatchObject({ kind: 'Status', reason: 'Invalid' });
  });

  it('ends the stream cleanly after timeoutSeconds', async () => {
    const started = Date.now();
    const w = watch(`${routersPath('timeout')}?watch=true&timeoutSeconds=1`);
    await w.ended;
    const elapsed = Date.now() - started;
    expect(w.status).toBe(200);
    expect(w.events).toEqual([]);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(10_000);
  });

  it('selects by metadata.name, on the collection and on the object path', async () => {
    await create('by-name', router('wanted'));
    await create('by-name', router('other'));
    const rv = await currentRv('by-name');
    const byField = watch(`${routersPath('by-name')}?watch=true&fieldSelector=metadata.name%3Dwanted&resourceVersion=${rv}`);
    const byPath = watch(`${routersPath('by-name', 'wanted')}?watch=true&resourceVersion=${rv}`);
    const everywhere = watch(`/apis/bgp.miloapis.com/v1alpha1/bgprouters?watch=true&fieldSelector=metadata.name%3Dwanted&resourceVersion=${rv}`);
    await create('by-name-2', router('wanted'));
    await patch('by-name', 'other', { spec: { localASN: 65020 } });
    await patch('by-name', 'wanted', { spec: { localASN: 65021 } });
    await byField.until((events) => events.length >= 1);
    await byPath.until((events) => events.length >= 1);
    await everywhere.until((events) => events.length >= 2);
    await settle();
    expect(summary(byField.events)).toEqual(['MODIFIED wanted']);
    expect(summary(byPath.events)).toEqual(['MODIFIED wanted']);
    expect(everywhere.events.map((e) => `${e.type} ${e.object.metadata.namespace}`)).toEqual(['ADDED by-name-2', 'MODIFIED by-name']);
  });

  it('turns label selector transitions into ADDED and DELETED', async () => {
    const w = watch(`${routersPath('labels')}?watch=true&labelSelector=app%3Dweb&resourceVersion=${await currentRv('labels')}`);
    await create('labels', router('r'));
    await patch('labels', 'r', { metadata: { labels: { app: 'web' } } });
    await w.until((events) => events.length >= 1);
    await patch('labels', 'r', { spec: { localASN: 65030 } });
    await w.until((events) => events.length >= 2);
    const relabelled = await patch('labels', 'r', { metadata: { labels: { app: 'db' } } });
    await w.until((events) => events.length >= 3);
    await remove('labels', 'r');
    await create('labels', router('s', { labels: { app: 'web' } }));
    await remove('labels', 's');
    await w.until((events) => events.length >= 5);
    await settle();
    expect(summary(w.events)).toEqual(['ADDED r', 'MODIFIED r', 'DELETED r', 'ADDED s', 'DELETED s']);
    // The DELETED for a transition carries the object as it last matched, at the
    // revision of the change that made it leave (as kube's watch cache sends it).
    expect(w.events[2]!.object.metadata.labels).toEqual({ app: 'web' });
    expect(w.events[2]!.object.metadata.resourceVersion).toBe(relabelled.metadata.resourceVersion);
  });

  it('delivers an event to each of 100 concurrent watchers', async () => {
    const rv = await currentRv('many');
    const watchers = Array.from({ length: 100 }, () => watch(`${routersPath('many')}?watch=true&resourceVersion=${rv}`));
    await Promise.all(watchers.map((w) => w.until(() => w.status === 200, 30_000)));
    await create('many', router('broadcast'));
    await Promise.all(watchers.map((w) => w.until((events) => events.length >= 1, 30_000)));
    for (const w of watchers) expect(summary(w.events)).toEqual(['ADDED broadcast']);
    const metrics = (await server.request('GET', '/metrics')).body;
    const gauge = metrics.split('\n').find((l) => /^apiserver_longrunning_requests\{.*resource="bgprouters"/.test(l));
    expect(Number(gauge?.split(' ').pop())).toBeGreaterThanOrEqual(100);
    for (const w of watchers) w.close();
  });

  // Last: it restarts the server. The watch cache then starts at the current revision
  // and history from before it is gone for good (storage compacts it too).
  it('answers a watch from a revision the server no longer has with a 410 ERROR event', async () => {
    const old = await create('gone', router('g'));
    await patch('gone', 'g', { spec: { localASN: 65040 } });
    await server.kill();
    await server.restart({ args: ['--compaction-interval', '200ms'] });
    await patch('gone', 'g', { spec: { localASN: 65041 } });
    const w = watch(`${routersPath('gone')}?watch=true&resourceVersion=${old.metadata.resourceVersion}`);
    await w.ended;
    expect(w.status).toBe(200);
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired' } });
    expect(w.events[0]!.object.message).toContain('too old resource version');
    // A fresh list and a watch from its resourceVersion work again.
    const rv = await currentRv('gone');
    const again = watch(`${routersPath('gone')}?watch=true&resourceVersion=${rv}`);
    await patch('gone', 'g', { spec: { localASN: 65042 } });
    await again.until((events) => events.length === 1);
    expect(summary(again.events)).toEqual(['MODIFIED g']);
  });
});
