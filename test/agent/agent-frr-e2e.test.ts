// End to end with real parts only: the real API server, kubectl, the agent command
// (`src/cli/agent.ts`, as `npm run agent` runs it) and real FRR in two network
// namespaces, a node and its top-of-rack switch. What kubectl applies becomes a BGP
// session the ToR accepts, a route in the ToR's kernel, and status on the objects.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RIB_ENDPOINT_ANNOTATION } from '../../src/api/rib.js';
import { startApiServer, type RunningApiServer } from '../support/apiserver.js';
import { FrrLab } from '../support/frr-lab.js';
import { eventually } from './support/eventually.js';
import { ribPki, type RibPki } from './support/rib-pki.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BGP = '/apis/bgp.miloapis.com/v1alpha1/namespaces/default';
const PREFIX = '198.51.100.0/24';

let api: RunningApiServer;
let lab: FrrLab;
let pki: RibPki;
let dir: string;
let agent: ChildProcess;
let agentOutput = '';
let agentExit: Promise<number | null>;

beforeAll(async () => {
  lab = await FrrLab.start({ nodes: ['node', 'tor'], links: [['node', 'tor']] });
  api = await startApiServer({ backend: 'embedded' });
  pki = await ribPki(['127.0.0.1']);
  dir = await mkdtemp(join(tmpdir(), 'cosmos-agent-e2e-'));
  const files = { cert: join(dir, 'agent.crt'), key: join(dir, 'agent.key'), ca: join(dir, 'ca.crt') };
  await writeFile(files.cert, pki.agent.certPem);
  await writeFile(files.key, pki.agent.keyPem);
  await writeFile(files.ca, pki.ca.certPem);

  // The ToR is the fabric's side, configured by hand: it accepts the node as a neighbor.
  const link = lab.link('node', 'tor');
  await lab.configureDirectly('tor', [
    'router bgp 65002',
    'bgp router-id 10.255.255.2',
    'no bgp ebgp-requires-policy',
    `neighbor ${link.node!.ipv4} remote-as 65001`,
    'neighbor ' + link.node!.ipv4 + ' timers 3 9',
    'address-family ipv4 unicast',
    `neighbor ${link.node!.ipv4} activate`,
  ]);

  const ns = lab.ns('node');
  agent = spawn(
    join(ROOT, 'node_modules/.bin/tsx'),
    [
      'src/cli/agent.ts',
      '--kubeconfig', api.kubeconfig,
      '--node-name', 'node-1',
      '--netns', ns,
      '--frr-pathspace', ns,
      '--listen', '127.0.0.1:0',
      '--tls-cert-file', files.cert,
      '--tls-private-key-file', files.key,
      '--client-ca-file', files.ca,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  agent.stdout!.on('data', (d: Buffer) => (agentOutput += d.toString()));
  agent.stderr!.on('data', (d: Buffer) => (agentOutput += d.toString()));
  agentExit = new Promise((res) => agent.once('exit', (code) => res(code)));
});

afterAll(async () => {
  if (agent && agent.exitCode === null) {
    agent.kill('SIGKILL');
    await agentExit;
  }
  await api?.stop();
  await lab?.teardown();
  await pki?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function get(plural: string, name: string): Promise<any> {
  return (await api.request('GET', `${BGP}/${plural}/${name}`)).json();
}

const conditionOf = (o: any, type: string): string | undefined => {
  const c = o?.status?.conditions?.find((x: any) => x.type === type);
  return c && `${c.status}/${c.reason}`;
};

describe('agent end to end with real FRR (node + ToR namespaces)', () => {
  it('establishes the session kubectl asks for, and the prefix reaches the ToR’s kernel', async () => {
    const link = lab.link('node', 'tor');
    const manifests = `
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPRouter
metadata: {name: node-1-underlay, namespace: default}
spec:
  targetRef: {kind: Node, name: node-1}
  localASN: 65001
  routerID: 10.255.255.1
  addressFamilies: [{afi: ipv4, safi: unicast}]
---
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPPeer
metadata: {name: tor, namespace: default}
spec:
  routerRef: {name: node-1-underlay}
  address: ${link.tor!.ipv4}
  peerASN: 65002
  holdTime: 9s
  keepaliveTime: 3s
  addressFamilies: [{afi: ipv4, safi: unicast}]
---
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPAdvertisement
metadata: {name: node-prefix, namespace: default}
spec:
  routerRef: {name: node-1-underlay}
  addressFamily: {afi: ipv4, safi: unicast}
  prefixes: [${PREFIX}]
`;
    const applied = await api.kubectl(['apply', '-f', '-'], { input: manifests });
    expect(applied.code, applied.stderr).toBe(0);

    const peer = await eventually(() => get('bgppeers', 'tor'), (p) => p?.status?.sessionState === 'Established', 60_000, 250).catch((err: Error) => {
      throw new Error(`${err.message}\nagent output:\n${agentOutput}`);
    });
    expect(conditionOf(peer, 'Ready')).toBe('True/Established');
    expect(conditionOf(peer, 'Accepted')).toBe('True/ConfigAccepted');
    expect(peer.status.lastEstablishedTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const routes = await eventually(() => lab.kernelRoutes('tor'), (rs) => rs.some((r) => r.dst === PREFIX), 30_000, 250);
    const route = routes.find((r) => r.dst === PREFIX)!;
    expect(route.gateway).toBe(link.node!.ipv4);
    expect(route.protocol).toBe('bgp');

    const router = await eventually(() => get('bgprouters', 'node-1-underlay'), (r) => r?.status?.peers?.established === 1, 15_000);
    expect(router.status).toMatchObject({ phase: 'Ready', peers: { total: 1, established: 1 }, observedGeneration: 1 });
    expect(conditionOf(router, 'PeersEstablished')).toBe('True/AllPeersEstablished');
    const adv = await eventually(() => get('bgpadvertisements', 'node-prefix'), (a) => conditionOf(a, 'Advertised') === 'True/Advertised', 15_000);
    expect(adv.status.advertisedPrefixes).toBe(1);
  });

  it('writes no status while nothing changes', async () => {
    const watches = ['bgprouters', 'bgppeers', 'bgpadvertisements'].map((plural) =>
      api.watch(`/apis/bgp.miloapis.com/v1alpha1/${plural}?watch=true&resourceVersion=0`),
    );
    await new Promise((r) => setTimeout(r, 4_000));
    for (const w of watches) w.close();
    expect(watches.flatMap((w) => w.events.filter((e) => e.type === 'MODIFIED').map((e) => e.object.metadata.name))).toEqual([]);
  });

  it('serves the router’s live RIB from FRR', async () => {
    const router = await get('bgprouters', 'node-1-underlay');
    const url = router.metadata.annotations[RIB_ENDPOINT_ANNOTATION];
    const rib = JSON.parse(
      await new Promise<string>((res, rej) => {
        const req = request(url, { ca: pki.ca.certPem, cert: pki.apiserverClient.certPem, key: pki.apiserverClient.keyPem }, (r) => {
          let body = '';
          r.on('data', (d: Buffer) => (body += d.toString()));
          r.on('end', () => (r.statusCode === 200 ? res(body) : rej(new Error(`${r.statusCode}: ${body}`))));
        });
        req.on('error', rej);
        req.end();
      }),
    );
    expect(rib).toMatchObject({ kind: 'RIB', metadata: { name: 'node-1-underlay', namespace: 'default' } });
    const ipv4 = rib.families.find((f: any) => f.afi === 'ipv4');
    expect(ipv4.routes).toContainEqual(expect.objectContaining({ prefix: PREFIX, best: true, valid: true, asPath: '', origin: 'igp' }));
  });

  it('puts its configuration back when bgpd restarts empty', async () => {
    await lab.restartBgpd('node');
    expect(await lab.vtysh('node', ['show running-config'])).not.toContain('router bgp 65001');
    await eventually(() => lab.vtysh('node', ['show running-config']), (config) => config.includes('router bgp 65001'), 15_000, 250);
    const peer = await eventually(() => get('bgppeers', 'tor'), (p) => p?.status?.sessionState === 'Established', 30_000, 250);
    expect(conditionOf(peer, 'Ready')).toBe('True/Established');
    await eventually(() => lab.kernelRoutes('tor'), (rs) => rs.some((r) => r.dst === PREFIX), 30_000, 250);
  });

  it('stops cleanly on SIGTERM', async () => {
    agent.kill('SIGTERM');
    expect(await agentExit).toBe(0);
    if (process.env.AGENT_LOG) console.error(agentOutput);
  });
});
