import { describe, expect, it } from 'vitest';
import { buildDesiredState } from '../../src/agent/desired/build.js';
import { advertisement, peer, policy, router, secret, secretView, snapshot, vrf } from './fixtures.js';

const NODE = 'node-a';

function routerNames(result: ReturnType<typeof buildDesiredState>): string[] {
  return result.desired.routers.map((r) => `${r.ref.namespace}/${r.ref.name}`);
}

function peersOf(result: ReturnType<typeof buildDesiredState>, namespace: string, name: string): string[] {
  const r = result.desired.routers.find((x) => x.ref.namespace === namespace && x.ref.name === name);
  return (r?.peers ?? []).map((p) => `${p.ref.namespace}/${p.ref.name}`);
}

describe('desired state: which routers are the node’s', () => {
  it('owns exactly the routers whose targetRef is {kind: Node, name: <node>}', () => {
    const result = buildDesiredState(
      snapshot([
        router('default', 'mine', NODE),
        router('default', 'other-node', 'node-b'),
        router('default', 'a-device', NODE, { kind: 'RouterDevice' }),
        router('tenant', 'mine-too', NODE),
      ]),
      NODE,
    );
    expect(routerNames(result)).toEqual(['default/mine', 'tenant/mine-too']);
    expect(result.subjects.map((s) => `${s.ref.kind} ${s.ref.namespace}/${s.ref.name}`)).toEqual([
      'BGPRouter default/mine',
      'BGPRouter tenant/mine-too',
    ]);
  });

  it('drops a router that is being deleted', () => {
    const deleting = router('default', 'going', NODE);
    deleting.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
    expect(buildDesiredState(snapshot([deleting]), NODE).desired.routers).toEqual([]);
  });

  it('carries the router’s AS, router ID and families', () => {
    const result = buildDesiredState(snapshot([router('default', 'r', NODE, { asn: 4200000001, families: [{ afi: 'ipv6', safi: 'unicast' }, { afi: 'l2vpn', safi: 'evpn' }] })]), NODE);
    expect(result.desired.routers[0]).toMatchObject({
      ref: { kind: 'BGPRouter', namespace: 'default', name: 'r' },
      localASN: 4200000001,
      routerID: '10.0.0.1',
      addressFamilies: [{ afi: 'ipv6', safi: 'unicast' }, { afi: 'l2vpn', safi: 'evpn' }],
      peers: [],
      advertisements: [],
      policies: [],
      vrfs: [],
    });
  });
});

describe('desired state: binding by routerRef and routerSelector', () => {
  it('binds by routerRef within the peer’s own namespace only', () => {
    const result = buildDesiredState(
      snapshot([
        router('ns1', 'edge', NODE),
        router('ns2', 'edge', NODE),
        peer('ns1', 'p1', { routerRef: 'edge' }),
        peer('ns2', 'p2', { routerRef: 'edge' }, { address: '10.0.0.3' }),
      ]),
      NODE,
    );
    expect(peersOf(result, 'ns1', 'edge')).toEqual(['ns1/p1']);
    expect(peersOf(result, 'ns2', 'edge')).toEqual(['ns2/p2']);
  });

  it('binds by routerSelector to every matching router of the namespace, and only this node’s become desired state', () => {
    const fabric = { role: 'fabric' };
    const result = buildDesiredState(
      snapshot([
        router('default', 'underlay', NODE, { labels: fabric }),
        router('default', 'overlay', NODE, { labels: { role: 'tenant' } }),
        router('default', 'remote', 'node-b', { labels: fabric }),
        router('elsewhere', 'underlay', NODE, { labels: fabric }),
        peer('default', 'spine', { routerSelector: { matchLabels: fabric } }),
        peer('default', 'not-fabric', { routerSelector: { matchExpressions: [{ key: 'role', operator: 'NotIn', values: ['fabric'] }] } }),
      ]),
      NODE,
    );
    expect(peersOf(result, 'default', 'underlay')).toEqual(['default/spine']);
    expect(peersOf(result, 'default', 'overlay')).toEqual(['default/not-fabric']);
    expect(peersOf(result, 'elsewhere', 'underlay')).toEqual([]);
    const spine = result.subjects.find((s) => s.ref.name === 'spine');
    // The selector also matches node-b's router; this node reports only its own.
    expect(spine?.routers).toEqual(['underlay']);
  });

  it('ignores objects bound only to other nodes’ routers', () => {
    const result = buildDesiredState(
      snapshot([router('default', 'mine', NODE), router('default', 'theirs', 'node-b'), peer('default', 'p', { routerRef: 'theirs' })]),
      NODE,
    );
    expect(peersOf(result, 'default', 'mine')).toEqual([]);
    expect(result.subjects.map((s) => s.ref.name)).toEqual(['mine']);
    expect(result.problems).toEqual([]);
  });

  it('binds advertisements, policies and VRF instances to their routers', () => {
    const result = buildDesiredState(
      snapshot([
        router('default', 'r', NODE, { labels: { role: 'fabric' } }),
        advertisement('default', 'loopback', 'r', { prefixes: ['10.255.0.1/32'], communities: ['65001:100'], localPreference: 200 }),
        policy('default', 'tag', { routerSelector: { matchLabels: { role: 'fabric' } } }, 'export'),
        vrf('default', 'tenant-a', 'r'),
      ]),
      NODE,
    );
    const r = result.desired.routers[0]!;
    expect(r.advertisements).toEqual([
      {
        ref: { kind: 'BGPAdvertisement', namespace: 'default', name: 'loopback' },
        addressFamily: { afi: 'ipv4', safi: 'unicast' },
        prefixes: ['10.255.0.1/32'],
        communities: ['65001:100'],
        localPreference: 200,
        redistribute: [],
      },
    ]);
    expect(r.policies.map((p) => [p.ref.name, p.direction, p.terms.length])).toEqual([['tag', 'export', 1]]);
    expect(r.vrfs).toEqual([
      {
        ref: { kind: 'BGPVRFInstance', namespace: 'default', name: 'tenant-a' },
        routeDistinguisher: '65001:100',
        importRouteTargets: ['65001:100'],
        exportRouteTargets: ['65001:100'],
      },
    ]);
  });

  it('gives the same result whatever order the objects come in', () => {
    const objects = [
      router('b', 'r', NODE),
      router('a', 'r', NODE),
      peer('a', 'p2', { routerRef: 'r' }, { address: '10.0.0.9' }),
      peer('a', 'p1', { routerRef: 'r' }),
      peer('b', 'p', { routerRef: 'r' }),
    ];
    const forward = buildDesiredState(snapshot(objects), NODE);
    const backward = buildDesiredState(snapshot([...objects].reverse()), NODE);
    expect(backward).toEqual(forward);
    expect(routerNames(forward)).toEqual(['a/r', 'b/r']);
    expect(peersOf(forward, 'a', 'r')).toEqual(['a/p1', 'a/p2']);
  });
});

describe('desired state: peers', () => {
  it('applies the runtime timer defaults: 90 s hold, keepalive a third of it', () => {
    const result = buildDesiredState(
      snapshot([
        router('default', 'r', NODE),
        peer('default', 'defaults', { routerRef: 'r' }),
        peer('default', 'hold-only', { routerRef: 'r' }, { address: '10.0.0.3', holdTime: '9s' }),
        peer('default', 'both', { routerRef: 'r' }, { address: '10.0.0.4', holdTime: '1m30s', keepaliveTime: '10s' }),
      ]),
      NODE,
    );
    const timers = result.desired.routers[0]!.peers.map((p) => [p.ref.name, p.holdTimeSeconds, p.keepaliveSeconds]);
    expect(timers).toEqual([
      ['both', 90, 10],
      ['defaults', 90, 30],
      ['hold-only', 9, 3],
    ]);
  });

  it('reads the MD5 password from the Secret named by authSecretRef', () => {
    const result = buildDesiredState(
      snapshot(
        [router('default', 'r', NODE), peer('default', 'p', { routerRef: 'r' }, { authSecretRef: { name: 'md5' }, authentication: { password: 'ignored' } })],
        secretView([secret('default', 'md5', { password: 's3cret' })]),
      ),
      NODE,
    );
    const password = result.desired.routers[0]!.peers[0]!.password!;
    expect(password.reveal()).toBe('s3cret');
    // Never printed: desired state is logged and compared as JSON.
    expect(JSON.stringify(result.desired)).not.toContain('s3cret');
  });

  it('leaves out a peer whose Secret cannot be read, and says why', () => {
    const objects = [
      router('default', 'r', NODE),
      peer('default', 'missing', { routerRef: 'r' }, { authSecretRef: { name: 'nope' } }),
      peer('default', 'no-key', { routerRef: 'r' }, { address: '10.0.0.3', authSecretRef: { name: 'wrong-key' } }),
      peer('default', 'plain', { routerRef: 'r' }, { address: '10.0.0.4' }),
    ];
    const result = buildDesiredState(snapshot(objects, secretView([secret('default', 'wrong-key', { pass: 'x' })])), NODE);
    expect(peersOf(result, 'default', 'r')).toEqual(['default/plain']);
    expect(result.problems.map((p) => [p.object.name, p.reason, p.field])).toEqual([
      ['missing', 'SecretNotFound', 'spec.authSecretRef.name'],
      ['no-key', 'SecretNotFound', 'spec.authSecretRef.name'],
    ]);
    expect(result.problems[1]!.message).toContain('has no key "password"');
    // Still reported on: the user must see the reason.
    expect(result.subjects.filter((s) => s.ref.kind === 'BGPPeer').map((s) => [s.ref.name, s.routers])).toEqual([
      ['missing', ['r']],
      ['no-key', ['r']],
      ['plain', ['r']],
    ]);
  });

  it('reports SecretNotFound when the API serves no Secrets at all', () => {
    const result = buildDesiredState(
      snapshot([router('default', 'r', NODE), peer('default', 'p', { routerRef: 'r' }, { authSecretRef: { name: 'md5' } })], secretView({ unavailable: 'HTTP 404: Not Found' })),
      NODE,
    );
    expect(result.problems).toEqual([
      {
        object: { kind: 'BGPPeer', namespace: 'default', name: 'p' },
        reason: 'SecretNotFound',
        message: 'Secret default/md5 cannot be read: HTTP 404: Not Found',
        field: 'spec.authSecretRef.name',
      },
    ]);
  });

  it('resolves routeMapIn/routeMapOut to policies of the namespace, which then apply to the router', () => {
    const result = buildDesiredState(
      snapshot([
        router('default', 'r', NODE),
        router('default', 'r-elsewhere', 'node-b'),
        policy('default', 'in-filter', { routerRef: 'r-elsewhere' }, 'import'),
        peer('default', 'p', { routerRef: 'r' }, { routeMapIn: 'in-filter', routeMapOut: 'absent' }),
      ]),
      NODE,
    );
    const r = result.desired.routers[0]!;
    expect(r.peers[0]!.importPolicy).toEqual({ kind: 'BGPPolicy', namespace: 'default', name: 'in-filter' });
    // Kept even though it does not resolve: the renderer fails closed on it.
    expect(r.peers[0]!.exportPolicy).toEqual({ kind: 'BGPPolicy', namespace: 'default', name: 'absent' });
    expect(r.policies.map((p) => p.ref.name)).toEqual(['in-filter']);
    expect(result.problems.map((p) => [p.object.name, p.reason, p.field])).toEqual([['p', 'PolicyNotFound', 'spec.routeMapOut']]);
    expect(result.subjects.find((s) => s.ref.name === 'in-filter')?.routers).toEqual(['r']);
  });
});

describe('desired state: missing references are accepted and reported', () => {
  it('reports objects that bind to no router, in namespaces where the node has routers', () => {
    const result = buildDesiredState(
      snapshot([
        router('default', 'r', NODE),
        peer('default', 'dangling', { routerRef: 'typo' }),
        peer('default', 'selects-nothing', { routerSelector: { matchLabels: { role: 'none' } } }, { address: '10.0.0.3' }),
        peer('default', 'bad-selector', { routerSelector: { matchExpressions: [{ key: 'role', operator: 'Equals', values: ['x'] }] } }, { address: '10.0.0.4' }),
        advertisement('default', 'adv', 'gone'),
        // Not this node's concern: it runs no router in that namespace.
        peer('unrelated', 'dangling', { routerRef: 'typo' }),
      ]),
      NODE,
    );
    expect(result.problems.map((p) => [p.object.kind, p.object.namespace, p.object.name, p.reason, p.field])).toEqual([
      ['BGPPeer', 'default', 'bad-selector', 'InvalidRouterSelector', 'spec.routerSelector'],
      ['BGPPeer', 'default', 'dangling', 'RouterNotFound', 'spec.routerRef.name'],
      ['BGPPeer', 'default', 'selects-nothing', 'RouterNotFound', 'spec.routerSelector'],
      ['BGPAdvertisement', 'default', 'adv', 'RouterNotFound', 'spec.routerRef.name'],
    ]);
    expect(result.problems[1]!.message).toBe('BGPRouter default/typo does not exist');
    expect(result.subjects.filter((s) => s.routers.length === 0).map((s) => s.ref.name)).toEqual(['bad-selector', 'dangling', 'selects-nothing', 'adv']);
    expect(peersOf(result, 'default', 'r')).toEqual([]);
  });

  it('reports a policyRef that does not resolve and keeps the advertisement', () => {
    const result = buildDesiredState(snapshot([router('default', 'r', NODE), advertisement('default', 'adv', 'r', { policyRef: { name: 'later' } })]), NODE);
    expect(result.desired.routers[0]!.advertisements[0]!.policy).toEqual({ kind: 'BGPPolicy', namespace: 'default', name: 'later' });
    expect(result.problems.map((p) => [p.object.name, p.reason])).toEqual([['adv', 'PolicyNotFound']]);
  });
});
