// The API server as programs meet it: @kubernetes/client-node (v2) through the
// generated kubeconfig, on each storage backend.
import {
  CustomObjectsApi,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type Backend, type RunningApiServer } from '../support/apiserver.js';
import { router, routersPath } from './objects.js';

const GROUP = 'bgp.miloapis.com';
const VERSION = 'v1alpha1';
const PLURAL = 'bgprouters';
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Resolves once `predicate` holds, polling; fails with `describe()` after `timeoutMs`. */
async function eventually(predicate: () => boolean, describe: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met: ${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each<Backend>(['embedded', 'etcd'])('@kubernetes/client-node against the %s backend', (backend) => {
  let server: RunningApiServer;
  let kc: KubeConfig;
  let api: CustomObjectsApi;

  const create = (namespace: string, body: unknown): Promise<any> => api.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, body });
  const patch = (namespace: string, name: string, body: unknown): Promise<any> =>
    api.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body }, MERGE_PATCH);
  const list = (namespace: string): Promise<KubernetesListObject<KubernetesObject>> =>
    api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL });

  beforeAll(async () => {
    server = await startApiServer({ backend });
    kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    api = kc.makeApiClient(CustomObjectsApi);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('lists, then watches and resumes from a resourceVersion', async () => {
    await create('list-watch', router('a'));
    await create('list-watch', router('b'));
    const listed = await list('list-watch');
    expect(listed.items.map((o) => o.metadata!.name)).toEqual(['a', 'b']);

    const events: { type: string; name: string; rv: string }[] = [];
    const watch = new Watch(kc);
    let ended: (err: unknown) => void;
    const done = new Promise<unknown>((r) => (ended = r));
    const controller = await watch.watch(
      routersPath('list-watch'),
      { resourceVersion: listed.metadata!.resourceVersion },
      (type, obj) => events.push({ type, name: obj.metadata.name, rv: obj.metadata.resourceVersion }),
      (err) => ended(err),
    );
    await create('list-watch', router('c'));
    await patch('list-watch', 'a', { spec: { localASN: 65002 } });
    await eventually(() => events.length >= 2, () => JSON.stringify(events));
    controller.abort();
    await done;
    expect(events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED c', 'MODIFIED a']);

    // What happened while nobody watched arrives on a watch resumed from the last event.
    await api.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: 'list-watch', plural: PLURAL, name: 'b' });
    await patch('list-watch', 'c', { metadata: { labels: { late: 'yes' } } });
    const resumed: string[] = [];
    const resumedController = await watch.watch(
      routersPath('list-watch'),
      { resourceVersion: events[1]!.rv },
      (type, obj) => resumed.push(`${type} ${obj.metadata.name}`),
      () => undefined,
    );
    await eventually(() => resumed.length >= 2, () => JSON.stringify(resumed));
    resumedController.abort();
    expect(resumed).toEqual(['DELETED b', 'MODIFIED c']);
  });

  it('updates status through the status subresource', async () => {
    const created = await create('status', router('r'));
    const patched = await api.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, namespace: 'status', plural: PLURAL, name: 'r', body: { status: { phase: 'Ready', peers: { total: 2, established: 1 } } } },
      MERGE_PATCH,
    );
    expect(patched.status).toEqual({ phase: 'Ready', peers: { total: 2, established: 1 } });
    expect(patched.metadata.generation).toBe(1);

    const replaced = await api.replaceNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace: 'status',
      plural: PLURAL,
      name: 'r',
      body: { ...patched, spec: { ...patched.spec, localASN: 65099 }, status: { phase: 'Degraded' } },
    });
    expect(replaced.status).toEqual({ phase: 'Degraded' });
    expect(replaced.spec.localASN).toBe(created.spec.localASN);

    const read = await api.getNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace: 'status', plural: PLURAL, name: 'r' });
    expect(read).toMatchObject({ status: { phase: 'Degraded' }, spec: { localASN: 65001 }, metadata: { generation: 1 } });
    // A stale replace is refused with 409, as client-go's retry loops expect.
    await expect(
      api.replaceNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace: 'status', plural: PLURAL, name: 'r', body: { ...patched, status: { phase: 'Ready' } } }),
    ).rejects.toMatchObject({ code: 409 });
  });

  // Last: it restarts the server.
  it('an informer relists after 410 Gone and converges', async () => {
    for (const name of ['i1', 'i2']) await create('informer', router(name));
    let lists = 0;
    const informer = makeInformer<KubernetesObject>(kc, routersPath('informer'), () => {
      lists++;
      return list('informer');
    });
    // client-node stops an informer on connection errors; the documented remedy is to start it again.
    let stopped = false;
    informer.on('error', () => {
      if (!stopped) setTimeout(() => void informer.start().catch(() => undefined), 200);
    });
    const names = (): string[] => informer.list('informer').map((o) => o.metadata!.name!).sort();
    try {
      await informer.start();
      await eventually(() => names().join() === 'i1,i2', () => names().join());
      expect(lists).toBe(1);

      // Writes elsewhere move the revision past the informer's; the restarted server's
      // watch cache starts after it, so resuming gets 410 and the informer must relist.
      await create('elsewhere', router('x'));
      await server.kill();
      await server.restart();
      await create('informer', router('i3'));
      await api.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: 'informer', plural: PLURAL, name: 'i1' });
      await eventually(() => names().join() === 'i2,i3', () => `${names().join()} after ${lists} lists`);
      expect(lists).toBeGreaterThanOrEqual(2);

      // And it follows changes again from the new list.
      await patch('informer', 'i2', { metadata: { labels: { after: 'relist' } } });
      await eventually(() => informer.get('i2', 'informer')?.metadata?.labels?.after === 'relist', () => JSON.stringify(informer.get('i2', 'informer')?.metadata));
    } finally {
      stopped = true;
      await informer.stop();
    }
  });
});
