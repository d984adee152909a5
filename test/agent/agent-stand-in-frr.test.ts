// The agent runtime (watch → desired state → apply → observe → status, RIB endpoint)
// against the real API server, driven with kubectl, with a stand-in FRR: the real
// renderer in front of sessions the test sets (test/agent/support/stand-in-frr.ts).
import { request } from 'node:https';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, loadKubeconfig } from '../../src/agent/agent.js';
import { RIB_CERT_SHA256_ANNOTATION, RIB_ENDPOINT_ANNOTATION } from '../../src/api/rib.js';
import { certificateSha256 } from '../../src/agent/rib/registration.js';
import { startApiServer, type RunningApiServer } from '../support/apiserver.js';
import { eventually } from './support/eventually.js';
import { ribPki, type RibPki } from './support/rib-pki.js';
import { StandInFrr } from './support/stand-in-frr.js';

const NODE = 'node-a';
const BGP = '/apis/bgp.miloapis.com/v1alpha1';

let api: RunningApiServer;
let agent: Agent;
let frr: StandInFrr;
let pki: RibPki;

interface Obj {
  metadata: { name: string; generation?: number; annotations?: Record<string, string>; resourceVersion: string };
  status?: {
    phase?: string;
    sessionState?: string;
    advertisedPrefixes?: number;
    peers?: { total: number; established: number };
    observedGeneration?: number;
    conditions?: { type: string; status: string; reason: string; message: string; lastTransitionTime: string }[];
  };
}

async function get(plural: string, name: string, namespace = 'default'): Promise<Obj> {
  const res = await api.request('GET', `${BGP}/namespaces/${namespace}/${plural}/${name}`);
  return res.json<Obj>();
}

function condition(o: Obj, type: string): string | undefined {
  const c = o.status?.conditions?.find((x) => x.type === type);
  return c && `${c.status}/${c.reason}`;
}

async function kubectlApply(yaml: string): Promise<void> {
  const res = await api.kubectl(['apply', '-f', '-'], { input: yaml });
  expect(res.code, res.stderr).toBe(0);
}

const ROUTER = `
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPRouter
metadata: {name: underlay, namespace: default, labels: {role: fabric}}
spec:
  targetRef: {kind: Node, name: ${NODE}}
  localASN: 65001
  routerID: 10.0.0.1
  addressFamilies: [{afi: ipv4, safi: unicast}]
`;

const peer = (name: string, address: string, extra = '') => `
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPPeer
metadata: {name: ${name}, namespace: default}
spec:
  routerRef: {name: underlay}
  address: ${address}
  peerASN: 65002
  addressFamilies: [{afi: ipv4, safi: unicast}]
${extra}
`;

const VRF = `
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPVRFInstance
metadata: {name: tenant-a, namespace: default}
spec:
  routerRef: {name: underlay}
  routeDistinguisher: "65001:100"
  importRouteTargets: [{value: "65001:100"}]
  exportRouteTargets: [{value: "65001:100"}]
`;

const ADVERTISEMENT = `
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPAdvertisement
metadata: {name: loopback, namespace: default}
spec:
  routerRef: {name: underlay}
  addressFamily: {afi: ipv4, safi: unicast}
  prefixes: [10.255.0.1/32]
`;

beforeAll(async () => {
  api = await startApiServer({ backend: 'embedded' });
  pki = await ribPki(['127.0.0.1']);
  frr = new StandInFrr();
  agent = await Agent.start({
    kubeconfig: loadKubeconfig(api.kubeconfig),
    nodeName: NODE,
    runtime: frr,
    logger: pino({ level: process.env.AGENT_LOG ?? 'silent' }, pino.destination(2)),
    rib: { host: '127.0.0.1', port: 0, cert: pki.agent.certPem, key: pki.agent.keyPem, clientCa: pki.ca.certPem },
  });
});

afterAll(async () => {
  await agent?.stop();
  await api?.stop();
  await pki?.cleanup();
});

describe('agent with a stand-in FRR, against the real API server', () => {
  it('configures what kubectl applies and reports it in status', async () => {
    await kubectlApply([ROUTER, peer('tor', '10.0.0.2'), ADVERTISEMENT, VRF].join('---\n'));
    const router = await eventually(() => get('bgprouters', 'underlay'), (r) => r.status?.peers?.total === 1);
    expect(router.status).toMatchObject({ phase: 'Ready', peers: { total: 1, established: 0 }, observedGeneration: 1 });
    expect(condition(router, 'Degraded')).toBe('True/PeersNotEstablished');
    expect(frr.config).toContain('neighbor 10.0.0.2 remote-as 65002');
    const adv = await eventually(() => get('bgpadvertisements', 'loopback'), (a) => a.status?.advertisedPrefixes === 1);
    expect(condition(adv, 'Accepted')).toBe('True/ConfigAccepted');
    const tor = await eventually(() => get('bgppeers', 'tor'), (p) => p.status?.sessionState === 'Active');
    expect(condition(tor, 'Ready')).toBe('False/Active');
    // The renderer's problem, reported on the object that caused it.
    const vrf = await eventually(() => get('bgpvrfinstances', 'tenant-a'), (v) => condition(v, 'Accepted') !== undefined);
    expect(condition(vrf, 'Accepted')).toBe('False/AddressFamilyMismatch');
    expect(condition(vrf, 'Ready')).toBe('False/AddressFamilyMismatch');
  });

  it('follows a session coming up within 2 seconds', async () => {
    const start = Date.now();
    frr.sessions.set('10.0.0.2', { state: 'Established', establishedSince: new Date(start) });
    const tor = await eventually(() => get('bgppeers', 'tor'), (p) => p.status?.sessionState === 'Established', 5_000, 50);
    expect(Date.now() - start).toBeLessThanOrEqual(2_000);
    expect(condition(tor, 'Ready')).toBe('True/Established');
    const router = await eventually(() => get('bgprouters', 'underlay'), (r) => r.status?.peers?.established === 1);
    expect(condition(router, 'PeersEstablished')).toBe('True/AllPeersEstablished');
    expect(condition(router, 'Degraded')).toBe('False/AllPeersEstablished');
    const adv = await eventually(() => get('bgpadvertisements', 'loopback'), (a) => condition(a, 'Advertised') === 'True/Advertised');
    expect(condition(adv, 'Ready')).toBe('True/Originating');
  });

  it('writes nothing while nothing changes', async () => {
    const before = agent.statusWriter.writes;
    const watches = ['bgprouters', 'bgppeers', 'bgpadvertisements', 'bgpvrfinstances'].map((plural) => api.watch(`${BGP}/${plural}?watch=true&resourceVersion=0`));
    await new Promise((r) => setTimeout(r, 3_500));
    for (const w of watches) w.close();
    // Initial events replay the current objects; anything beyond them is a write.
    const modified = watches.flatMap((w) => w.events.filter((e) => e.type === 'MODIFIED'));
    expect(modified).toEqual([]);
    expect(agent.statusWriter.writes).toBe(before);
  });

  it('reports peers it cannot configure: a Secret the API does not serve, timers FRR refuses', async () => {
    await kubectlApply(
      [
        peer('md5', '10.0.0.3', '  authSecretRef: {name: tor-md5}'),
        peer('fast', '10.0.0.4', '  holdTime: 30s\n  keepaliveTime: 20s'),
      ].join('---\n'),
    );
    const md5 = await eventually(() => get('bgppeers', 'md5'), (p) => condition(p, 'Accepted') !== undefined);
    expect(condition(md5, 'Accepted')).toBe('False/SecretNotFound');
    expect(md5.status!.conditions!.find((c) => c.type === 'Accepted')!.message).toContain('Secret default/tor-md5 cannot be read: HTTP 404');
    expect(frr.config).not.toContain('10.0.0.3');
    const fast = await eventually(() => get('bgppeers', 'fast'), (p) => condition(p, 'Accepted') !== undefined);
    expect(condition(fast, 'Accepted')).toBe('False/InvalidTimers');
    const router = await eventually(() => get('bgprouters', 'underlay'), (r) => r.status?.peers?.total === 2);
    expect(router.status?.peers).toEqual({ total: 2, established: 1 });
  });

  it('reports the runtime going away and coming back', async () => {
    frr.available = false;
    let router = await eventually(() => get('bgprouters', 'underlay'), (r) => condition(r, 'RuntimeAvailable') === 'False/RuntimeUnavailable');
    expect(router.status?.phase).toBe('Pending');
    frr.available = true;
    router = await eventually(() => get('bgprouters', 'underlay'), (r) => condition(r, 'Ready') === 'True/Ready');
    expect(router.status?.phase).toBe('Ready');
  });

  it('forgets a deleted peer', async () => {
    const res = await api.kubectl(['delete', 'bgppeer', 'fast']);
    expect(res.code, res.stderr).toBe(0);
    await eventually(() => get('bgprouters', 'underlay'), (r) => r.status?.peers?.total === 1);
    expect(frr.config).not.toContain('10.0.0.4');
  });

  it('serves the router’s RIB to the API server’s client certificate, and registers where', async () => {
    const router = await eventually(() => get('bgprouters', 'underlay'), (r) => r.metadata.annotations?.[RIB_ENDPOINT_ANNOTATION] !== undefined);
    const url = router.metadata.annotations![RIB_ENDPOINT_ANNOTATION]!;
    expect(url).toBe(`${agent.ribUrl}/ribs/default/underlay`);
    expect(router.metadata.annotations![RIB_CERT_SHA256_ANNOTATION]).toBe(certificateSha256(pki.agent.certPem));

    const rib = await fetchRib(url, pki.apiserverClient);
    expect(rib.status).toBe(200);
    expect(JSON.parse(rib.body)).toEqual({
      apiVersion: 'bgp.miloapis.com/v1alpha1',
      kind: 'RIB',
      metadata: { name: 'underlay', namespace: 'default' },
      families: [
        {
          afi: 'ipv4',
          safi: 'unicast',
          routes: [{ prefix: '10.255.0.1/32', best: true, valid: true, nextHops: ['0.0.0.0'], asPath: '', origin: 'igp', communities: [] }],
        },
      ],
    });

    const unknown = await fetchRib(url.replace('/underlay', '/not-mine'), pki.apiserverClient);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    await expect(fetchRib(url, pki.strangerClient)).rejects.toThrow();
    await expect(fetchRib(url, undefined)).rejects.toThrow();
  });
});

function fetchRib(url: string, client: { certPem: string; keyPem: string } | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: pki.ca.certPem, ...(client ? { cert: client.certPem, key: client.keyPem } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
