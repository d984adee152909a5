// EVPN between two nodes both programmed from desired state, each with a real VXLAN
// device for the VNI: the overlay session comes up, the VNIs carry the distinguisher and
// targets of their BGPVRFInstance, and each node learns the other as a remote VTEP.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DesiredNodeState } from '../../../src/agent/desired-state.js';
import { applyFrrConfig } from '../../../src/agent/frr/apply.js';
import { readBgpState, readEvpnVnis, readRib } from '../../../src/agent/frr/observe.js';
import { renderFrrConfig } from '../../../src/agent/frr/render.js';
import { FrrLab } from '../../support/frr-lab.js';

const ASN = 65010;
const VNI = 100;
const IPV4 = { afi: 'ipv4', safi: 'unicast' } as const;
const EVPN = { afi: 'l2vpn', safi: 'evpn' } as const;

describe('EVPN between two programmed nodes', () => {
  let lab: FrrLab;

  function desired(self: 'a' | 'b', peer: 'a' | 'b'): DesiredNodeState {
    const ref = <K extends string>(kind: K, name: string) => ({ kind, namespace: 'default', name: `${self}-${name}` });
    const loopback = lab.loopback(self).ipv4;
    return {
      routers: [
        {
          ref: ref('BGPRouter', 'router'),
          localASN: ASN,
          routerID: loopback,
          addressFamilies: [IPV4, EVPN],
          peers: [
            {
              ref: ref('BGPPeer', 'peer'),
              address: lab.link('a', 'b')[peer]!.ipv4,
              peerASN: ASN,
              addressFamilies: [IPV4, EVPN],
              holdTimeSeconds: 9,
              keepaliveSeconds: 3,
            },
          ],
          // The VTEP address must be reachable for the other side to use our routes.
          advertisements: [{ ref: ref('BGPAdvertisement', 'vtep'), addressFamily: IPV4, prefixes: [`${loopback}/32`], communities: [], redistribute: [] }],
          policies: [],
          vrfs: [
            {
              ref: ref('BGPVRFInstance', 'blue'),
              vni: VNI,
              routeDistinguisher: `${loopback}:${VNI}`,
              importRouteTargets: [`${ASN}:${VNI}`, `${ASN}:1`],
              exportRouteTargets: [`${ASN}:${VNI}`],
            },
          ],
        },
      ],
    };
  }

  beforeAll(async () => {
    lab = await FrrLab.start({ nodes: ['a', 'b'], links: [['a', 'b']] });
    for (const node of ['a', 'b'] as const) {
      await lab.ip(node, ['link', 'add', 'br100', 'type', 'bridge']);
      await lab.ip(node, ['link', 'add', 'vxlan100', 'type', 'vxlan', 'id', `${VNI}`, 'local', lab.loopback(node).ipv4, 'dstport', '4789', 'nolearning']);
      await lab.ip(node, ['link', 'set', 'vxlan100', 'master', 'br100']);
      await lab.ip(node, ['link', 'set', 'vxlan100', 'up']);
      await lab.ip(node, ['link', 'set', 'br100', 'up']);
    }
    for (const [self, peer] of [['a', 'b'], ['b', 'a']] as const) {
      const { config, problems } = renderFrrConfig(desired(self, peer));
      expect(problems).toEqual([]);
      expect(await applyFrrConfig(lab.target(self), config)).toMatchObject({ ok: true });
    }
  });
  afterAll(async () => {
    await lab?.teardown();
  });

  it('brings up one session carrying IPv4 and EVPN', async () => {
    await vi.waitFor(
      async () => {
        const [neighbor] = (await readBgpState(lab.target('a'))).neighbors;
        expect(neighbor?.state).toBe('Established');
        expect(Object.keys(neighbor!.families).sort()).toEqual(['ipv4/unicast', 'l2vpn/evpn']);
      },
      { timeout: 30_000, interval: 200 },
    );
    expect((await readBgpState(lab.target('a'))).instance).toEqual({ asn: ASN, routerId: lab.loopback('a').ipv4 });
  });

  it('gives the VNI the distinguisher and targets of its VRF instance', async () => {
    const vnis = await readEvpnVnis(lab.target('a'));
    expect(vnis).toEqual([
      expect.objectContaining({
        vni: VNI,
        type: 'L2',
        vxlanInterface: 'vxlan100',
        inKernel: true,
        routeDistinguisher: `${lab.loopback('a').ipv4}:${VNI}`,
        importRouteTargets: expect.arrayContaining([`${ASN}:${VNI}`, `${ASN}:1`]),
        exportRouteTargets: [`${ASN}:${VNI}`],
      }),
    ]);
  });

  it('learns the other node as a remote VTEP through its EVPN route', async () => {
    await vi.waitFor(async () => expect((await readEvpnVnis(lab.target('a')))[0]?.remoteVteps).toBe(1), { timeout: 20_000, interval: 200 });
    const evpn = (await readRib(lab.target('a'))).find((f) => f.addressFamily.afi === 'l2vpn')!;
    const fromB = evpn.paths.find((p) => p.learnedFrom === lab.link('a', 'b').b!.ipv4);
    expect(fromB).toMatchObject({
      prefix: `[3]:[0]:[32]:[${lab.loopback('b').ipv4}]`,
      routeDistinguisher: `${lab.loopback('b').ipv4}:${VNI}`,
      valid: true,
      extendedCommunities: expect.arrayContaining([`RT:${ASN}:${VNI}`]),
    });
    expect(evpn.paths.some((p) => p.learnedFrom === undefined && p.prefix === `[3]:[0]:[32]:[${lab.loopback('a').ipv4}]`)).toBe(true);
  });
});
