// API objects as the agent receives them from the API server, and snapshots of them.
import type { V1Secret } from '@kubernetes/client-node';
import type {
  BGPAdvertisement,
  BGPPeer,
  BGPPeerSpecRouterSelector,
  BGPPolicy,
  BGPRouter,
  BGPRouterSpecAddressFamiliesItem,
  BGPVRFInstance,
} from '../../src/api/types.generated.js';
import type { ApiSnapshot, SecretView } from '../../src/agent/watch/caches.js';

const API_VERSION = 'bgp.miloapis.com/v1alpha1' as const;
let uid = 0;

function meta(namespace: string, name: string, labels?: Record<string, string>) {
  uid++;
  return { namespace, name, uid: `uid-${uid}`, generation: 1, resourceVersion: String(uid), ...(labels ? { labels } : {}) };
}

export function router(
  namespace: string,
  name: string,
  node: string,
  opts: { labels?: Record<string, string>; kind?: string; asn?: number; families?: BGPRouterSpecAddressFamiliesItem[] } = {},
): BGPRouter {
  return {
    apiVersion: API_VERSION,
    kind: 'BGPRouter',
    metadata: meta(namespace, name, opts.labels),
    spec: {
      targetRef: { kind: opts.kind ?? 'Node', name: node },
      localASN: opts.asn ?? 65001,
      routerID: '10.0.0.1',
      addressFamilies: opts.families ?? [{ afi: 'ipv4', safi: 'unicast' }],
    },
  };
}

export function peer(namespace: string, name: string, target: { routerRef?: string; routerSelector?: BGPPeerSpecRouterSelector }, spec: Partial<NonNullable<BGPPeer['spec']>> = {}): BGPPeer {
  return {
    apiVersion: API_VERSION,
    kind: 'BGPPeer',
    metadata: meta(namespace, name),
    spec: {
      ...(target.routerRef ? { routerRef: { name: target.routerRef } } : {}),
      ...(target.routerSelector ? { routerSelector: target.routerSelector } : {}),
      address: '10.0.0.2',
      peerASN: 65002,
      addressFamilies: [{ afi: 'ipv4', safi: 'unicast' }],
      ...spec,
    },
  };
}

export function advertisement(namespace: string, name: string, routerRef: string, spec: Partial<NonNullable<BGPAdvertisement['spec']>> = {}): BGPAdvertisement {
  return {
    apiVersion: API_VERSION,
    kind: 'BGPAdvertisement',
    metadata: meta(namespace, name),
    spec: { routerRef: { name: routerRef }, addressFamily: { afi: 'ipv4', safi: 'unicast' }, prefixes: ['192.0.2.0/24'], ...spec },
  };
}

export function policy(namespace: string, name: string, target: { routerRef?: string; routerSelector?: { matchLabels: Record<string, string> } }, direction: 'import' | 'export' = 'import'): BGPPolicy {
  return {
    apiVersion: API_VERSION,
    kind: 'BGPPolicy',
    metadata: meta(namespace, name),
    spec: {
      ...(target.routerRef ? { routerRef: { name: target.routerRef } } : {}),
      ...(target.routerSelector ? { routerSelector: target.routerSelector } : {}),
      direction,
      terms: [{ sequence: 10, action: 'permit', match: { any: true } }],
    },
  };
}

export function vrf(namespace: string, name: string, routerRef: string): BGPVRFInstance {
  return {
    apiVersion: API_VERSION,
    kind: 'BGPVRFInstance',
    metadata: meta(namespace, name),
    spec: {
      routerRef: { name: routerRef },
      routeDistinguisher: '65001:100',
      importRouteTargets: [{ value: '65001:100' }],
      exportRouteTargets: [{ value: '65001:100' }],
    },
  };
}

export function secret(namespace: string, name: string, data: Record<string, string>): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { namespace, name },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

export function secretView(secrets: V1Secret[] | { unavailable: string }): SecretView {
  if (!Array.isArray(secrets)) return { state: 'unavailable', reason: secrets.unavailable, get: () => undefined };
  return {
    state: 'synced',
    get: (namespace, name) => secrets.find((s) => s.metadata?.namespace === namespace && s.metadata?.name === name),
  };
}

export function snapshot(
  objects: (BGPRouter | BGPPeer | BGPAdvertisement | BGPPolicy | BGPVRFInstance)[],
  secrets: SecretView = secretView([]),
): ApiSnapshot {
  const of = <K extends string>(kind: K) => objects.filter((o) => o.kind === kind) as never[];
  return {
    routers: of('BGPRouter'),
    peers: of('BGPPeer'),
    advertisements: of('BGPAdvertisement'),
    policies: of('BGPPolicy'),
    vrfInstances: of('BGPVRFInstance'),
    secrets,
  };
}
