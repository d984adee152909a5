// End to end, with real parts only: three nodes and a top-of-rack switch in network
// namespaces running real FRR, the real API server, one real agent per node, and kubectl.
// What kubectl applies must become BGP sessions the ToR accepts, routes in the ToR's
// kernel, policy the ToR can see, status on the objects and a live RIB; and the fabric
// must ride through agent restarts, a dying bgpd and a deleted peer as an operator
// expects.
//
//   n1 ── link ──────────────┐
//   n2 ── link, peers with ──┤ tor (AS 65000, originates 203.0.113.0/24)
//   n3 ── the ToR loopback ──┘
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../agent/support/eventually.js';
import { Fabric, TOR_ASN, TOR_PREFIX, type BgpNeighbor } from './support/fabric.js';
import { tableRows } from './support/kubectl-table.js';

const BGP = '/apis/bgp.miloapis.com/v1alpha1/namespaces/default';
const N1_PERMITTED = '198.51.100.0/25';
const N1_DENIED = '198.51.100.128/25';
const N1_COMMUNITY = '65001:100';
const N2_PREFIX = '192.0.2.0/26';
const N2_EXTRA = '192.0.2.128/26';
const N3_PREFIX = '192.0.2.64/26';

let fabric: Fabric;

beforeAll(async () => {
  fabric = await Fabric.start([
    { name: 'n1', uplink: 'link' },
    { name: 'n2', uplink: 'loopback' },
    { name: 'n3', uplink: 'loopback' },
  ]);
  const applied = await fabric.api.kubectl(['apply', '-f', '-'], { input: manifests() });
  expect(applied.code, applied.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await fabric?.stop();
});

function manifests(): string {
  const router = (name: string) => {
    const node = fabric.node(name);
    return `
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPRouter
metadata:
  name: ${name}-underlay
  namespace: default
  labels: {uplink: ${node.uplink}}
spec:
  targetRef: {kind: Node, name: ${name}}
  localASN: ${node.asn}
  routerID: ${node.routerId}
  addressFamilies: [{afi: ipv4, safi: unicast}]`;
  };
  const advertisement = (name: string, router: string, prefixes: string[]) => `
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPAdvertisement
metadata: {name: ${name}, namespace: default}
spec:
  routerRef: {name: ${router}}
  addressFamily: {afi: ipv4, safi: unicast}
  prefixes: [${prefixes.join(', ')}]`;
  return [
    router('n1'),
    router('n2'),
    router('n3'),
    `
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPPeer
metadata: {name: tor-n1, namespace: default}
spec:
  routerRef: {name: n1-underlay}
  address: ${fabric.node('n1').torAddress}
  peerASN: ${TOR_ASN}
  holdTime: 9s
  keepaliveTime: 3s
  addressFamilies: [{afi: ipv4, safi: unicast}]
  routeMapOut: n1-export`,
    `
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPPeer
metadata: {name: tor-loopback, namespace: default}
spec:
  routerSelector: {matchLabels: {uplink: loopback}}
  address: ${fabric.node('n2').torAddress}
  peerASN: ${TOR_ASN}
  ebgpMultiHop: true
  holdTime: 9s
  keepaliveTime: 3s
  addressFamilies: [{afi: ipv4, safi: unicast}]`,
    `
apiVersion: bgp.miloapis.com/v1alpha1
kind: BGPPolicy
metadata: {name: n1-export, namespace: default}
spec:
  routerRef: {name: n1-underlay}
  direction: export
  terms:
    - sequence: 10
      action: deny
      match: {ipPrefix: ${N1_DENIED}}
    - sequence: 20
      action: permit
      match: {any: true}
      set: {communities: {add: ["${N1_COMMUNITY}"]}}`,
    advertisement('n1-prefixes', 'n1-underlay', [N1_PERMITTED, N1_DENIED]),
    advertisement('n2-prefixes', 'n2-underlay', [N2_PREFIX]),
    advertisement('n3-prefixes', 'n3-underlay', [N3_PREFIX]),
  ].join('\n---');
}

async function get(plural: string, name: string): Promise<any> {
  const res = await fabric.api.request('GET', `${BGP}/${plural}/${name}`);
  return res.status === 200 ? res.json() : undefined;
}

const conditionOf = (o: any, type: string): string | undefined => {
  const c = o?.status?.conditions?.find((x: any) => x.type === type);
  return c && `${c.status}/${c.reason}`;
};

/** Polls with the agents' output in the failure message. */
function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  return eventually(probe, accept, timeoutMs, 250).catch((err: Error) => {
    throw new Error(`${err.message}\n${fabric.agentOutput()}`);
  });
}

const hasRoute = (prefix: string) => (routes: { dst: string }[]) => routes.some((r) => r.dst === prefix);
const lacksRoute = (prefix: string) => (routes: { dst: string }[]) => !routes.some((r) => r.dst === prefix);
const established = (n: BgpNeighbor | undefined) => n?.bgpState === 'Established';

describe('a fabric of three nodes and a ToR, driven with kubectl', () => {
  it('establishes every session and says so in status', async () => {
    const byRef = await until(() => get('bgppeers', 'tor-n1'), (p) => p?.status?.sessionState === 'Established', 60_000);
    expect(conditionOf(byRef, 'Ready')).toBe('True/Established');

    const bySelector = await until(
      () => get('bgppeers', 'tor-loopback'),
      // Each node's agent writes its own entry and then the summary, so the summary can
      // trail the entries by one observation.
      (p) => p?.status?.routers?.length === 2 && p.status.routers.every((r: any) => r.sessionState === 'Established') && p.status.sessionState === 'Established',
      60_000,
    );
    expect(bySelector.status.routers.map((r: any) => r.routerName).sort()).toEqual(['n2-underlay', 'n3-underlay']);
    expect(bySelector.status.sessionState).toBe('Established');
    expect(conditionOf(bySelector, 'Ready')).toBe('True/Established');

    for (const name of ['n1', 'n2', 'n3']) {
      const router = await until(() => get('bgprouters', `${name}-underlay`), (r) => r?.status?.peers?.established === 1);
      expect(router.status).toMatchObject({ phase: 'Ready', peers: { total: 1, established: 1 } });
      expect(conditionOf(router, 'RuntimeAvailable')).toBe('True/RuntimeAvailable');
      expect(await fabric.torNeighbor(name)).toMatchObject({ bgpState: 'Established' });
    }
  });

  it('puts every advertised prefix in the ToR’s kernel FIB, via the node that advertises it', async () => {
    const fib = await until(() => fabric.torFib(), (rs) => [N1_PERMITTED, N2_PREFIX, N3_PREFIX].every((p) => hasRoute(p)(rs)));
    for (const [prefix, node] of [[N1_PERMITTED, 'n1'], [N2_PREFIX, 'n2'], [N3_PREFIX, 'n3']] as const) {
      expect(fib.find((r) => r.dst === prefix)).toMatchObject({ gateway: fabric.node(node).address, protocol: 'bgp' });
    }
    const adv = await until(() => get('bgpadvertisements', 'n2-prefixes'), (a) => conditionOf(a, 'Advertised') === 'True/Advertised');
    expect(adv.status.advertisedPrefixes).toBe(1);
  });

  it('keeps out the prefix a deny term matches, though the node originates it', async () => {
    await until(() => fabric.torFib(), hasRoute(N1_PERMITTED));
    // Both prefixes leave n1 in the same update: once one arrived, the other would have.
    expect(await fabric.torFib()).toSatisfy(lacksRoute(N1_DENIED));
    expect(await fabric.torPaths(N1_DENIED)).toEqual([]);
    const n1Table = JSON.parse(await fabric.lab.vtysh('n1', ['show bgp ipv4 unicast json'])) as { routes: Record<string, unknown> };
    expect(Object.keys(n1Table.routes)).toEqual(expect.arrayContaining([N1_PERMITTED, N1_DENIED]));
  });

  it('sets the community the policy adds, as the ToR’s BGP table shows', async () => {
    const paths = await until(() => fabric.torPaths(N1_PERMITTED), (ps) => ps.length > 0);
    expect(paths[0]!.community?.list).toContain(N1_COMMUNITY);
    expect(paths[0]!.aspath?.string).toBe(String(fabric.node('n1').asn));
  });

  it('prints the node’s live RIB, with the ToR’s prefix, for kubectl get --subresource rib', async () => {
    const n1 = fabric.node('n1');
    const table = await until(() => fabric.api.kubectl(['get', 'bgpr', 'n1-underlay', '--subresource', 'rib']), (r) => r.stdout.includes(TOR_PREFIX));
    const [header, ...rows] = tableRows(table.stdout);
    expect(header).toEqual(['PREFIX', 'NEXT-HOP', 'AS-PATH', 'LOCPRF', 'BEST', 'FROM']);
    expect(rows).toContainEqual([TOR_PREFIX, n1.torAddress, String(TOR_ASN), '', 'true', n1.torAddress]);

    // n2 learns it over the multi-hop session with the ToR's loopback, and n1's prefix through the ToR.
    const rib = JSON.parse((await fabric.api.kubectl(['get', 'bgpr', 'n2-underlay', '--subresource', 'rib', '-o', 'json'])).stdout);
    const routes = rib.families.find((f: any) => f.afi === 'ipv4').routes;
    expect(routes).toContainEqual(expect.objectContaining({ prefix: TOR_PREFIX, best: true, asPath: String(TOR_ASN), peer: fabric.node('n2').torAddress }));
    expect(routes).toContainEqual(expect.objectContaining({ prefix: N1_PERMITTED, asPath: `${TOR_ASN} ${n1.asn}`, communities: [N1_COMMUNITY] }));
  });

  it('resets no session when an agent restarts, and the restarted agent carries on', async () => {
    const before = (await fabric.torNeighbor('n2'))!;
    expect(before.bgpState).toBe('Established');

    await fabric.agent('n2').stop();
    const down = await fabric.api.kubectl(['get', 'bgpr', 'n2-underlay', '--subresource', 'rib']);
    expect(down.stderr).toMatch(/ServiceUnavailable.*Node "n2".*could not be read/);
    await fabric.agent('n2').restart();

    // A change after the restart proves the new agent reconciled (and its apply kept the session).
    const added = await fabric.api.kubectl(['apply', '-f', '-'], {
      input: `{"apiVersion": "bgp.miloapis.com/v1alpha1", "kind": "BGPAdvertisement", "metadata": {"name": "n2-extra", "namespace": "default"},
               "spec": {"routerRef": {"name": "n2-underlay"}, "addressFamily": {"afi": "ipv4", "safi": "unicast"}, "prefixes": ["${N2_EXTRA}"]}}`,
    });
    expect(added.code, added.stderr).toBe(0);
    await until(() => fabric.torFib(), hasRoute(N2_EXTRA));

    const after = (await fabric.torNeighbor('n2'))!;
    expect(after).toMatchObject({ bgpState: 'Established', connectionsEstablished: before.connectionsEstablished, connectionsDropped: before.connectionsDropped });
    expect(Math.abs(after.bgpTimerUpEstablishedEpoch! - before.bgpTimerUpEstablishedEpoch!)).toBeLessThanOrEqual(1);
    expect(after.bgpTimerUpMsec!).toBeGreaterThan(before.bgpTimerUpMsec!);
    const rib = await fabric.api.kubectl(['get', 'bgpr', 'n2-underlay', '--subresource', 'rib']);
    expect(rib.stdout).toContain(TOR_PREFIX);
  });

  it('reports RuntimeAvailable False while bgpd is dead, and recovers when it returns', async () => {
    await fabric.lab.killBgpd('n3');
    const down = await until(() => get('bgprouters', 'n3-underlay'), (r) => conditionOf(r, 'RuntimeAvailable') === 'False/RuntimeUnavailable', 15_000);
    expect(conditionOf(down, 'Ready')).toMatch(/^False\//);
    const rib = await fabric.api.kubectl(['get', 'bgpr', 'n3-underlay', '--subresource', 'rib']);
    expect(rib.stderr).toMatch(/ServiceUnavailable.*Node "n3": its agent answered 503: the routing runtime did not answer/);

    await fabric.lab.restartBgpd('n3');
    const up = await until(() => get('bgprouters', 'n3-underlay'), (r) => conditionOf(r, 'RuntimeAvailable') === 'True/RuntimeAvailable' && r.status.peers?.established === 1, 60_000);
    expect(up.status.phase).toBe('Ready');
    await until(() => fabric.torNeighbor('n3'), established);
    await until(() => fabric.torFib(), hasRoute(N3_PREFIX));
  });

  it('tears the session down when its BGPPeer is deleted', async () => {
    const deleted = await fabric.api.kubectl(['delete', 'bgppeer', 'tor-n1']);
    expect(deleted.code, deleted.stderr).toBe(0);
    const tor = await until(() => fabric.torNeighbor('n1'), (n) => n !== undefined && !established(n));
    expect(tor!.connectionsDropped).toBeGreaterThan(0);
    const n1Neighbors = JSON.parse(await fabric.lab.vtysh('n1', ['show bgp neighbors json']));
    expect(Object.keys(n1Neighbors)).not.toContain(fabric.node('n1').torAddress);
    await until(() => fabric.torFib(), lacksRoute(N1_PERMITTED));
    const router = await until(() => get('bgprouters', 'n1-underlay'), (r) => r?.status?.peers?.total === 0);
    expect(router.status.peers.established).toBe(0);
    // The other sessions stay.
    expect(await fabric.torNeighbor('n2')).toMatchObject({ bgpState: 'Established' });
  });
});
