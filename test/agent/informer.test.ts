// The agent's list+watch against the real API server: it resumes from the last
// resourceVersion after a reconnect, relists when the server answers 410 Gone, survives
// the server going away, and reports a collection the server does not serve.
import { CoreV1Api, CustomObjectsApi, KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResilientInformer } from '../../src/agent/watch/informer.js';
import { startApiServer, type RunningApiServer } from '../support/apiserver.js';
import { eventually } from './support/eventually.js';

const logger = pino({ level: 'silent' });
const GROUP = 'bgp.miloapis.com';
const VERSION = 'v1alpha1';

let api: RunningApiServer;
let kubeconfig: KubeConfig;
const informers: ResilientInformer<KubernetesObject>[] = [];

/** An informer over a BGP collection whose lists the test counts. */
function informer(plural: string): { informer: ResilientInformer<KubernetesObject>; lists: () => number } {
  const custom = kubeconfig.makeApiClient(CustomObjectsApi);
  let lists = 0;
  const i = new ResilientInformer<KubernetesObject>({
    kubeconfig,
    logger,
    path: `/apis/${GROUP}/${VERSION}/${plural}`,
    list: () => {
      lists++;
      return custom.listCustomObjectForAllNamespaces({ group: GROUP, version: VERSION, resourcePlural: plural });
    },
    retryDelayMs: { initial: 100, max: 500 },
  });
  informers.push(i);
  return { informer: i, lists: () => lists };
}

function names(i: ResilientInformer<KubernetesObject>): string[] {
  return i.list().map((o) => o.metadata!.name!).sort();
}

async function create(plural: string, body: object): Promise<void> {
  const res = await api.request('POST', `/apis/${GROUP}/${VERSION}/namespaces/default/${plural}`, { body });
  expect(res.status, res.body).toBe(201);
}

const routerBody = (name: string) => ({
  apiVersion: `${GROUP}/${VERSION}`,
  kind: 'BGPRouter',
  metadata: { name },
  spec: { targetRef: { kind: 'Node', name: 'n' }, localASN: 65001, routerID: '10.0.0.1', addressFamilies: [{ afi: 'ipv4', safi: 'unicast' }] },
});
const peerBody = (name: string) => ({
  apiVersion: `${GROUP}/${VERSION}`,
  kind: 'BGPPeer',
  metadata: { name },
  spec: { routerRef: { name: 'r1' }, address: '10.0.0.2', peerASN: 65002, addressFamilies: [{ afi: 'ipv4', safi: 'unicast' }] },
});

beforeAll(async () => {
  api = await startApiServer({ backend: 'embedded' });
  kubeconfig = new KubeConfig();
  kubeconfig.loadFromFile(api.kubeconfig);
});

afterAll(async () => {
  await Promise.all(informers.map((i) => i.stop()));
  await api?.stop();
});

describe('list+watch (ResilientInformer) against the real API server', () => {
  it('resumes from its resourceVersion, and relists after 410 Gone', async () => {
    await create('bgprouters', routerBody('r1'));
    const routers = informer('bgprouters');
    await routers.informer.start();
    expect(routers.informer.state).toBe('synced');
    expect(names(routers.informer)).toEqual(['r1']);

    // A change elsewhere moves the store on; the router watch sees no event of it, so
    // its resourceVersion stays behind. The peer informer lists after it.
    await create('bgppeers', peerBody('p1'));
    const peers = informer('bgppeers');
    await peers.informer.start();
    expect(names(peers.informer)).toEqual(['p1']);

    // A restarted server keeps history only from its start: the peer watch resumes where
    // it was, the router watch asks for a revision the server no longer has and gets 410.
    await api.kill();
    await api.restart();
    await create('bgprouters', routerBody('r2'));
    await create('bgppeers', peerBody('p2'));
    await eventually(async () => [names(routers.informer), names(peers.informer)], ([r, p]) => r.length === 2 && p.length === 2, 30_000);
    expect(names(routers.informer)).toEqual(['r1', 'r2']);
    expect(names(peers.informer)).toEqual(['p1', 'p2']);
    expect(peers.lists()).toBe(1);
    expect(routers.lists()).toBe(2);
  });

  it('reports a collection the server does not serve as unavailable, and keeps asking', async () => {
    const core = kubeconfig.makeApiClient(CoreV1Api);
    let attempts = 0;
    const secrets = new ResilientInformer<KubernetesObject>({
      kubeconfig,
      logger,
      path: '/api/v1/secrets',
      list: () => {
        attempts++;
        return core.listSecretForAllNamespaces();
      },
      retryDelayMs: { initial: 50, max: 200 },
    });
    informers.push(secrets);
    await secrets.start();
    expect(secrets.state).toBe('unavailable');
    expect(secrets.lastError).toMatch(/^HTTP 404/);
    expect(secrets.list()).toEqual([]);
    await eventually(async () => attempts, (n) => n >= 3, 5_000);
  });
});
