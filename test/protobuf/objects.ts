// Objects of every kind as the server holds and returns them: metadata filled in by the
// server (uid, resourceVersion, generation, timestamps, managedFields), owner references,
// finalizers, and statuses written by the agent. Used by the protobuf tests and by
// bench/codec.
import type { KubeObject } from '../../src/api/object.js';

const BGP = 'bgp.miloapis.com/v1alpha1';
const VPC = 'vpc.miloapis.com/v1alpha1';

let uidCounter = 0;

function stored(apiVersion: string, kind: string, name: string, fields: Record<string, unknown>, extraMeta: Record<string, unknown> = {}): KubeObject {
  uidCounter++;
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      namespace: 'network-system',
      uid: `5f0c9a8e-1b2d-4c3e-9f4a-${String(uidCounter).padStart(12, '0')}`,
      resourceVersion: String(48210 + uidCounter),
      generation: 3,
      creationTimestamp: '2024-05-01T10:00:00Z',
      labels: { 'app.kubernetes.io/managed-by': 'cosmos-operator', 'cosmos.miloapis.com/plane': 'underlay' },
      annotations: { 'cosmos.miloapis.com/change-ticket': 'NET-4821' },
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Apply',
          apiVersion,
          time: '2024-05-01T10:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:labels': { 'f:cosmos.miloapis.com/plane': {} } }, 'f:spec': { '.': {} } },
        },
        {
          manager: 'cosmos-agent-node-1',
          operation: 'Apply',
          apiVersion,
          time: '2024-05-01T10:02:13Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {} } } } },
          subresource: 'status',
        },
      ],
      ...extraMeta,
    },
    ...fields,
  };
}

const condition = (type: string, reason: string, message: string, observedGeneration = 3) => ({
  type,
  status: 'True',
  observedGeneration,
  lastTransitionTime: '2024-05-01T10:02:13Z',
  reason,
  message,
});

export const router = stored(BGP, 'BGPRouter', 'node-1-underlay', {
  spec: {
    targetRef: { kind: 'Node', name: 'node-1' },
    roles: ['fabric'],
    localASN: 4200000001,
    routerID: '10.255.0.1',
    addressFamilies: [
      { afi: 'ipv4', safi: 'unicast' },
      { afi: 'ipv6', safi: 'unicast' },
    ],
  },
  status: {
    observedGeneration: 3,
    phase: 'Ready',
    roles: ['fabric'],
    peers: { total: 4, established: 4 },
    conditions: [
      condition('Ready', 'RouterReady', 'bgpd is running with the desired configuration'),
      condition('RuntimeAvailable', 'FRRRunning', 'FRR 9.1 bgpd and zebra are running'),
      condition('ConfigApplied', 'Applied', 'configuration applied without session resets'),
      condition('PeersEstablished', 'AllEstablished', '4 of 4 peers established'),
    ],
  },
});

export const peer = stored(
  BGP,
  'BGPPeer',
  'node-1-to-spine-1',
  {
    spec: {
      routerRef: { name: 'node-1-underlay' },
      description: 'uplink to spine-1',
      address: '2001:db8:fa::1',
      peerASN: 4200000100,
      addressFamilies: [{ afi: 'ipv6', safi: 'unicast' }],
      holdTime: '9s',
      keepaliveTime: '3s',
      authSecretRef: { name: 'spine-1-md5' },
      bfd: { enabled: true, detectMultiplier: 3, minimumRx: 300000, minimumTx: 300000, multiHop: false },
      gracefulRestart: { enabled: true, restartTime: 120 },
      nextHopSelf: false,
    },
    status: {
      observedGeneration: 3,
      sessionState: 'Established',
      lastEstablishedTime: '2024-05-01T10:01:57Z',
      conditions: [condition('Ready', 'SessionEstablished', 'BGP session is Established'), condition('Accepted', 'Accepted', 'router node-1-underlay found')],
    },
  },
  {
    ownerReferences: [{ apiVersion: BGP, kind: 'BGPRouter', name: 'node-1-underlay', uid: '5f0c9a8e-1b2d-4c3e-9f4a-000000000001', controller: true, blockOwnerDeletion: true }],
  },
);

export const advertisement = stored(BGP, 'BGPAdvertisement', 'tenant-blue-prefixes', {
  spec: {
    routerRef: { name: 'node-1-underlay' },
    addressFamily: { afi: 'ipv4', safi: 'unicast' },
    prefixes: ['203.0.113.0/24', '198.51.100.0/25'],
    communities: ['65000:100', '192.0.2.1:200'],
    localPreference: 200,
    policyRef: { name: 'fabric-export' },
  },
  status: { observedGeneration: 3, advertisedPrefixes: 2, conditions: [condition('Ready', 'Advertised', '2 prefixes advertised to 4 peers')] },
});

const term = (sequence: number) => ({
  sequence,
  action: 'permit',
  match: {
    addressFamilies: [{ afi: 'ipv6', safi: 'unicast' }],
    prefixList: [`2001:db8:${sequence.toString(16)}::/48`, `10.${sequence % 256}.0.0/16`],
    communityMatch: [`65000:${sequence}`],
    asPathFilter: { pattern: `^4200000${String(sequence).padStart(3, '0')}( |$)`, matchType: 'contains' },
    localPreference: 100,
  },
  set: {
    localPreference: 200 + sequence,
    metric: sequence,
    communities: { add: [`65000:${1000 + sequence}`], remove: ['65000:666'] },
    extCommunities: { add: [`65000:${sequence}`] },
    asPath: { prepend: 2, asn: 4200000001 },
    nextHop: { self: true },
    origin: 'igp',
  },
});

/** An export policy with `terms` statements, each matching and rewriting several attributes. */
export function policyWithTerms(terms: number): KubeObject {
  return stored(BGP, 'BGPPolicy', `fabric-export-${terms}`, {
    spec: {
      routerSelector: {
        matchLabels: { 'cosmos.miloapis.com/plane': 'underlay' },
        matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone-a', 'zone-b'] }],
      },
      direction: 'export',
      terms: [...Array.from({ length: terms - 1 }, (_, i) => term((i + 1) * 10)), { sequence: 65535, action: 'deny', match: { any: true } }],
    },
    status: { observedGeneration: 3, conditions: [condition('Ready', 'Applied', `route-map applied on 3 routers`)] },
  });
}

export const policy = policyWithTerms(32);

export const vrf = stored(BGP, 'BGPVRFInstance', 'blue', {
  spec: {
    routerRef: { name: 'node-1-overlay' },
    routeDistinguisher: '10.255.0.1:100',
    importRouteTargets: [{ value: '65010:100' }, { value: '65010:1' }],
    exportRouteTargets: [{ value: '65010:100' }],
  },
  status: {
    conditions: [condition('Ready', 'Programmed', 'VRF programmed on 1 router')],
    routers: [
      {
        routerName: 'node-1-overlay',
        resolvedConfig: { asNumber: 65010, routerID: '10.255.0.1', addressFamilies: [{ afi: 'l2vpn', safi: 'evpn' }] },
        conditions: [{ ...condition('Degraded', 'NoVRFDevice', 'the kernel has no VRF device support'), status: 'False' }],
      },
    ],
  },
});

export const vpc = stored(
  VPC,
  'VPC',
  'blue',
  { spec: { networks: ['10.10.0.0/16', 'fd00:10::/48'] }, status: { identifier: 'vpc-0f3a9c', ready: true } },
  { finalizers: ['vpc.miloapis.com/ipam'] },
);

export const attachment = stored(VPC, 'VPCAttachment', 'vm-1-eth1', {
  spec: { vpc: { name: 'blue' }, interface: { name: 'eth1', addresses: ['10.10.1.5/24', 'fd00:10::5/64'] } },
  status: { identifier: 'att-77b1e2', ready: false },
});

/** One realistic object per kind. */
export const EVERY_KIND: KubeObject[] = [router, peer, advertisement, policy, vrf, vpc, attachment];
