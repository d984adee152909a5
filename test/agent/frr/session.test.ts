// The agent's side of a real BGP session: a node whose FRR is programmed from desired
// state, next to a ToR configured by hand (the fabric, not the agent's), each in its own
// network namespace. What is checked is what an operator would look at: session state,
// the ToR's routing table and kernel, and that sessions survive unrelated changes.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { secretValue, type DesiredAdvertisement, type DesiredNodeState, type DesiredPolicy } from '../../../src/agent/desired-state.js';
import { applyFrrConfig } from '../../../src/agent/frr/apply.js';
import { bgpdAvailability, readBgpState, readRib, type NeighborState, type RibPath } from '../../../src/agent/frr/observe.js';
import { renderFrrConfig } from '../../../src/agent/frr/render.js';
import { FrrLab, type LinkEnd } from '../../support/frr-lab.js';

const NODE_ASN = 65001;
const TOR_ASN = 65100;
const PASSWORD = 'lab-md5-secret';
const ref = <K extends string>(kind: K, name: string) => ({ kind, namespace: 'default', name });

const IPV4 = { afi: 'ipv4', safi: 'unicast' } as const;

function advertisement(name: string, prefixes: string[]): DesiredAdvertisement {
  return { ref: ref('BGPAdvertisement', name), addressFamily: IPV4, prefixes, communities: [], redistribute: [] };
}

function exportPolicy(community: string): DesiredPolicy {
  return {
    ref: ref('BGPPolicy', 'to-tor'),
    direction: 'export',
    terms: [
      { sequence: 10, action: 'deny', match: { prefixList: ['198.51.100.0/24'] } },
      { sequence: 20, action: 'permit', match: { any: true }, set: { communities: { add: [community] } } },
    ],
  };
}

describe('a node programmed from desired state, peering with a ToR', () => {
  let lab: FrrLab;
  let node: LinkEnd;
  let tor: LinkEnd;

  function desired(advertisements: DesiredAdvertisement[], community = '65001:100'): DesiredNodeState {
    return {
      routers: [
        {
          ref: ref('BGPRouter', 'node-underlay'),
          localASN: NODE_ASN,
          routerID: lab.loopback('node').ipv4,
          addressFamilies: [IPV4],
          peers: [
            {
              ref: ref('BGPPeer', 'node-to-tor'),
              address: tor.ipv4,
              peerASN: TOR_ASN,
              addressFamilies: [IPV4],
              holdTimeSeconds: 9,
              keepaliveSeconds: 3,
              password: secretValue(PASSWORD),
              exportPolicy: ref('BGPPolicy', 'to-tor'),
            },
          ],
          advertisements,
          policies: [exportPolicy(community)],
          vrfs: [],
        },
      ],
    };
  }

  const baseAdvertisements = [advertisement('tenant', ['192.0.2.0/24', '198.51.100.0/24'])];

  async function apply(state: DesiredNodeState) {
    const { config, problems } = renderFrrConfig(state);
    expect(problems).toEqual([]);
    const result = await applyFrrConfig(lab.target('node'), config);
    expect(result.error).toBeUndefined();
    return result;
  }

  async function torNeighbor(): Promise<NeighborState> {
    const state = await readBgpState(lab.target('tor'));
    return state.neighbors.find((n) => n.address === node.ipv4)!;
  }

  async function nodeNeighbor(): Promise<NeighborState> {
    const state = await readBgpState(lab.target('node'));
    return state.neighbors.find((n) => n.address === tor.ipv4)!;
  }

  async function torPath(prefix: string): Promise<RibPath | undefined> {
    const rib = await readRib(lab.target('tor'));
    return rib.find((f) => f.addressFamily.afi === 'ipv4')!.paths.find((p) => p.prefix === prefix);
  }

  async function torKernelHas(prefix: string): Promise<boolean> {
    const routes = await lab.kernelRoutes('tor');
    return routes.some((r) => r.dst === prefix.replace(/\/32$/, '') && r.gateway === node.ipv4);
  }

  beforeAll(async () => {
    lab = await FrrLab.start({ nodes: ['node', 'tor'], links: [['node', 'tor']] });
    ({ node, tor } = lab.link('node', 'tor'));
    // The fabric side, short timers so the suite runs in seconds.
    await lab.configureDirectly('tor', [
      `router bgp ${TOR_ASN}`,
      `bgp router-id ${lab.loopback('tor').ipv4}`,
      'no bgp ebgp-requires-policy',
      `neighbor ${node.ipv4} remote-as ${NODE_ASN}`,
      `neighbor ${node.ipv4} password ${PASSWORD}`,
      `neighbor ${node.ipv4} timers 3 9`,
      `neighbor ${node.ipv4} timers connect 1`,
      `neighbor ${node.ipv4} advertisement-interval 0`,
      'address-family ipv4 unicast',
      `network ${lab.loopback('tor').ipv4}/32`,
      'exit-address-family',
    ]);
  });
  afterAll(async () => {
    await lab?.teardown();
  });

  it('brings the session up and puts the advertised prefix in the ToR kernel', async () => {
    await apply(desired(baseAdvertisements));
    await vi.waitFor(async () => expect((await nodeNeighbor()).state).toBe('Established'), { timeout: 20_000, interval: 100 });
    await vi.waitFor(async () => expect(await torKernelHas('192.0.2.0/24')).toBe(true), { timeout: 10_000, interval: 50 });
    const neighbor = await nodeNeighbor();
    expect(neighbor.peerASN).toBe(TOR_ASN);
    expect(neighbor.holdTimeMs).toBe(9000);
    expect(neighbor.establishedAt).toBeInstanceOf(Date);
    expect(neighbor.families['ipv4/unicast']?.prefixesReceived).toBe(1);
    expect(neighbor.families['ipv4/unicast']?.prefixesSent).toBeGreaterThanOrEqual(1);
  });

  it('keeps out of the ToR a prefix a deny term matches', async () => {
    expect(await torPath('192.0.2.0/24')).toBeDefined();
    // Originated in the same update as 192.0.2.0/24: its absence now is the policy's doing.
    expect(await torPath('198.51.100.0/24')).toBeUndefined();
    expect(await torKernelHas('198.51.100.0/24')).toBe(false);
  });

  it('gives the route the community the policy sets, as the ToR sees it', async () => {
    const path = await torPath('192.0.2.0/24');
    expect(path).toMatchObject({ best: true, valid: true, asPath: `${NODE_ASN}`, origin: 'IGP', communities: ['65001:100'], learnedFrom: node.ipv4, nextHops: [node.ipv4] });
  });

  it('reads its own table: what it originates and what it learned', async () => {
    const rib = await readRib(lab.target('node'));
    const paths = rib.find((f) => f.addressFamily.afi === 'ipv4')!.paths;
    expect(paths.find((p) => p.prefix === '192.0.2.0/24')).toMatchObject({ best: true, asPath: '', learnedFrom: undefined });
    expect(paths.find((p) => p.prefix === `${lab.loopback('tor').ipv4}/32`)).toMatchObject({ best: true, asPath: `${TOR_ASN}`, learnedFrom: tor.ipv4, nextHops: [tor.ipv4] });
  });

  it('applies an unrelated change without resetting the established session', async () => {
    const [nodeBefore, torBefore] = [await nodeNeighbor(), await torNeighbor()];
    const started = performance.now();
    const result = await apply(desired([...baseAdvertisements, advertisement('extra', ['203.0.113.0/24'])]));
    await vi.waitFor(async () => expect(await torKernelHas('203.0.113.0/24')).toBe(true), { timeout: 10_000, interval: 20 });
    const intentToFib = performance.now() - started;

    expect(result.commands).toEqual(['router bgp 65001', 'address-family ipv4 unicast', 'network 203.0.113.0/24', 'exit-address-family', 'exit']);
    const [nodeAfter, torAfter] = [await nodeNeighbor(), await torNeighbor()];
    expect(nodeAfter.state).toBe('Established');
    expect(nodeAfter.connectionsEstablished).toBe(nodeBefore.connectionsEstablished);
    expect(nodeAfter.connectionsDropped).toBe(nodeBefore.connectionsDropped);
    // FRR derives the time from the uptime, to the second: it may move by one.
    expect(Math.abs(nodeAfter.establishedAt!.getTime() - nodeBefore.establishedAt!.getTime())).toBeLessThanOrEqual(1000);
    expect(nodeAfter.uptimeMs).toBeGreaterThanOrEqual(nodeBefore.uptimeMs!);
    expect(torAfter.connectionsEstablished).toBe(torBefore.connectionsEstablished);
    expect(torAfter.connectionsDropped).toBe(torBefore.connectionsDropped);
    // Generous for a loaded 2-core machine; FRR itself needs tens of milliseconds.
    expect(intentToFib).toBeLessThan(3_000);
  });

  it('changes what a policy sets without waiting for bgpd’s route-map timer, and without a reset', async () => {
    const before = await nodeNeighbor();
    const started = performance.now();
    await apply(desired([...baseAdvertisements, advertisement('extra', ['203.0.113.0/24'])], '65001:200'));
    await vi.waitFor(async () => expect((await torPath('192.0.2.0/24'))?.communities).toEqual(['65001:200']), { timeout: 10_000, interval: 20 });
    // bgpd's own timer would take 5 s.
    expect(performance.now() - started).toBeLessThan(3_000);
    expect((await nodeNeighbor()).connectionsEstablished).toBe(before.connectionsEstablished);
  });

  it('leaves the previous configuration running when FRR refuses a line, and says why', async () => {
    const previous = renderFrrConfig(desired([...baseAdvertisements, advertisement('extra', ['203.0.113.0/24'])], '65001:200')).config;
    const before = await nodeNeighbor();
    // A valid change followed by a line FRR refuses: the valid part must not stay.
    const broken = renderFrrConfig(desired([...baseAdvertisements, advertisement('extra', ['203.0.113.0/24', '203.0.114.0/24'])], '65001:200')).config.replace(
      ' no bgp network import-check\n',
      ` no bgp network import-check\n neighbor ${tor.ipv4} ebgp-multihop 300\n`,
    );
    const result = await applyFrrConfig(lab.target('node'), broken);
    expect(result.ok).toBe(false);
    expect(result.error).toContain(`neighbor ${tor.ipv4} ebgp-multihop 300`);
    expect(await applyFrrConfig(lab.target('node'), previous)).toEqual({ ok: true, commands: [] });
    expect(await torPath('203.0.114.0/24')).toBeUndefined();
    const after = await nodeNeighbor();
    expect(after.state).toBe('Established');
    expect(after.connectionsEstablished).toBe(before.connectionsEstablished);
  });

  it('never shows the password in what it reports', async () => {
    const result = await applyFrrConfig(lab.target('node'), renderFrrConfig(desired(baseAdvertisements, '65001:300')).config);
    const broken = await applyFrrConfig(lab.target('node'), `router bgp ${NODE_ASN}\n neighbor ${tor.ipv4} password ${PASSWORD}\n bogus line\nexit\n`);
    expect(JSON.stringify([result, broken])).not.toContain(PASSWORD);
    expect(broken.ok).toBe(false);
  });

  it('reports bgpd unavailable while it is gone, and converges again once it is back', async () => {
    await lab.killBgpd('node');
    const down = await bgpdAvailability(lab.target('node'));
    expect(down.available).toBe(false);
    expect(down.reason).toContain('bgpd is not running');
    const failed = await applyFrrConfig(lab.target('node'), renderFrrConfig(desired(baseAdvertisements)).config);
    expect(failed.ok).toBe(false);

    await lab.restartBgpd('node');
    expect(await bgpdAvailability(lab.target('node'))).toEqual({ available: true });
    await apply(desired(baseAdvertisements));
    await vi.waitFor(async () => expect((await nodeNeighbor()).state).toBe('Established'), { timeout: 20_000, interval: 100 });
    await vi.waitFor(async () => expect(await torKernelHas('192.0.2.0/24')).toBe(true), { timeout: 10_000, interval: 50 });
  });
});
