// Objects for the admission tests: realistic ones, written as an operator would, and
// coverage ones, which between them hold every field of every kind so that each schema
// constraint and CEL rule has a value to pass and to break.
import { join } from 'node:path';
import { expect } from 'vitest';
import { createAdmission } from '../../src/admission/index.js';
import type { Admission, AdmissionAttributes, AdmissionDeps } from '../../src/admission/types.js';
import { loadKinds, type KindDefinition } from '../../src/api/kinds.js';
import { projectRoot } from '../../src/api/project-root.js';
import { deepCopy, type KubeObject } from '../../src/api/object.js';
import { ApiError, type StatusCause } from '../../src/meta/status.js';

// CI clones the repository with shared/ beside it, as on a developer's machine.
export const REFERENCE_DIR = join(projectRoot(), '..', 'shared', 'reference', 'cosmos');

export const kinds = loadKinds();

export function kindNamed(kind: string): KindDefinition {
  const found = kinds.find((k) => k.kind === kind);
  if (!found) throw new Error(`no kind ${kind}`);
  return found;
}

const BGP = 'bgp.miloapis.com/v1alpha1';
const VPC = 'vpc.miloapis.com/v1alpha1';

function object(apiVersion: string, kind: string, name: string, spec: unknown, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace: 'default' }, spec, ...extra };
}

// --- Realistic objects -------------------------------------------------------------

export const underlayRouter = object(BGP, 'BGPRouter', 'node-1-underlay', {
  targetRef: { kind: 'Node', name: 'node-1' },
  roles: ['fabric'],
  localASN: 4200000001,
  routerID: '10.255.0.1',
  addressFamilies: [{ afi: 'ipv6', safi: 'unicast' }],
});
underlayRouter.metadata.labels = { 'cosmos.miloapis.com/plane': 'underlay', 'kubernetes.io/hostname': 'node-1' };

export const overlayRouter = object(BGP, 'BGPRouter', 'node-1-overlay', {
  targetRef: { kind: 'Node', name: 'node-1' },
  roles: ['tenant'],
  localASN: 65010,
  routerID: '10.255.0.1',
  addressFamilies: [{ afi: 'l2vpn', safi: 'evpn' }],
});
overlayRouter.metadata.labels = { 'cosmos.miloapis.com/plane': 'overlay' };

export const fabricPeerWithTimers = object(BGP, 'BGPPeer', 'node-1-to-spine-1', {
  routerRef: { name: 'node-1-underlay' },
  description: 'uplink to spine-1',
  address: '2001:db8:fa::1',
  peerASN: 4200000100,
  addressFamilies: [{ afi: 'ipv6', safi: 'unicast' }],
  holdTime: '9s',
  keepaliveTime: '3s',
  authSecretRef: { name: 'spine-1-md5' },
  bfd: { enabled: true, detectMultiplier: 3, minimumRx: 300000, minimumTx: 300000 },
  gracefulRestart: { enabled: true, restartTime: 120 },
});

export const evpnPeerBySelector = object(BGP, 'BGPPeer', 'route-reflector', {
  routerSelector: {
    matchLabels: { 'cosmos.miloapis.com/plane': 'overlay' },
    matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone-a', 'zone-b'] }],
  },
  address: '10.255.255.1',
  peerASN: 65010,
  addressFamilies: [{ afi: 'l2vpn', safi: 'evpn' }],
  nextHopSelf: true,
});

export const staticPrefixAdvertisement = object(BGP, 'BGPAdvertisement', 'tenant-blue-prefixes', {
  routerRef: { name: 'node-1-underlay' },
  addressFamily: { afi: 'ipv4', safi: 'unicast' },
  prefixes: ['203.0.113.0/24', '198.51.100.0/25'],
  communities: ['65000:100', '192.0.2.1:200'],
  localPreference: 200,
});

export const redistributeAdvertisement = object(BGP, 'BGPAdvertisement', 'redistribute-local', {
  routerRef: { name: 'node-1-underlay' },
  addressFamily: { afi: 'ipv6', safi: 'unicast' },
  redistribute: ['connected', 'static'],
  policyRef: { name: 'fabric-export' },
});

export const loopbackAdvertisement = object(BGP, 'BGPAdvertisement', 'node-1-loopback', {
  routerRef: { name: 'node-1-underlay' },
  addressFamily: { afi: 'ipv6', safi: 'unicast' },
  originateFrom: { type: 'interface', interfaceName: 'lo' },
});

export const fabricExportPolicy = object(BGP, 'BGPPolicy', 'fabric-export', {
  routerRef: { name: 'node-1-underlay' },
  direction: 'export',
  terms: [
    {
      sequence: 10,
      action: 'permit',
      match: { prefixList: ['2001:db8:fa::/48', '10.255.0.0/16'], addressFamilies: [{ afi: 'ipv6', safi: 'unicast' }] },
      set: { communities: { add: ['65000:1'] } },
    },
    { sequence: 20, action: 'deny', match: { any: true } },
  ],
});

export const evpnImportFilter = object(BGP, 'BGPPolicy', 'evpn-import', {
  routerSelector: { matchLabels: { 'cosmos.miloapis.com/plane': 'overlay' } },
  direction: 'import',
  terms: [
    {
      sequence: 10,
      action: 'permit',
      match: { addressFamilies: [{ afi: 'l2vpn', safi: 'evpn' }], evpnRouteType: ['macIPAdvertisement', 'inclusiveMulticastEthernetTag'] },
    },
    { sequence: 100, action: 'deny', match: { any: true } },
  ],
});

export const evpnSelectiveImport = object(BGP, 'BGPPolicy', 'evpn-vni-10100', {
  routerRef: { name: 'node-1-overlay' },
  direction: 'import',
  terms: [
    {
      sequence: 5,
      action: 'permit',
      match: { evpnRouteType: ['iPPrefixAdvertisement'], vni: 10100, communityMatch: ['65010:10100'] },
      set: { localPreference: 300, extCommunities: { add: ['65010:10100'] } },
    },
  ],
});

export const srv6TrafficEngineeringExport = object(BGP, 'BGPPolicy', 'srv6-te-export', {
  routerRef: { name: 'node-1-underlay' },
  direction: 'export',
  terms: [
    {
      sequence: 1,
      action: 'permit',
      match: { ipPrefix: '2001:db8:100::/48' },
      set: {
        color: 100,
        srv6EndpointBehavior: 'End.DT6',
        asPath: { prepend: 2, asn: 4200000001 },
        nextHop: { self: true },
        origin: 'igp',
        metric: 10,
      },
    },
  ],
});

export const blueVrf = object(BGP, 'BGPVRFInstance', 'blue', {
  routerRef: { name: 'node-1-overlay' },
  routeDistinguisher: '10.255.0.1:100',
  importRouteTargets: [{ value: '65010:100' }, { value: '65010:1' }],
  exportRouteTargets: [{ value: '65010:100' }],
});

export const dualStackVpc = object(VPC, 'VPC', 'blue', { networks: ['10.10.0.0/16', 'fd00:10::/48'] });

export const blueAttachment = object(VPC, 'VPCAttachment', 'vm-1-eth1', {
  vpc: { name: 'blue' },
  interface: { name: 'eth1', addresses: ['10.10.1.5/24', 'fd00:10::5/64'] },
});

export const REALISTIC: KubeObject[] = [
  underlayRouter,
  overlayRouter,
  fabricPeerWithTimers,
  evpnPeerBySelector,
  staticPrefixAdvertisement,
  redistributeAdvertisement,
  loopbackAdvertisement,
  fabricExportPolicy,
  evpnImportFilter,
  evpnSelectiveImport,
  srv6TrafficEngineeringExport,
  blueVrf,
  dualStackVpc,
  blueAttachment,
];

// --- Coverage objects ----------------------------------------------------------------

const condition = (type: string) => ({
  type,
  status: 'True',
  reason: 'Reconciled',
  message: 'all good',
  lastTransitionTime: '2024-05-01T10:00:00Z',
  observedGeneration: 1,
});

function without(spec: unknown, key: string): Record<string, unknown> {
  const copy = structuredClone(spec) as Record<string, unknown>;
  delete copy[key];
  return copy;
}

const selector = {
  matchLabels: { 'cosmos.miloapis.com/plane': 'overlay' },
  matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone-a'] }],
};

/** Per kind, objects that together contain every field of the kind's schema. */
export const COVERAGE: Record<string, KubeObject[]> = {
  BGPRouter: [
    object(
      BGP,
      'BGPRouter',
      'coverage',
      // One family only: the AFI/SAFI rules' edge values replace it, and addressFamilies is a list-map.
      { ...structuredClone(underlayRouter.spec as object), addressFamilies: [{ afi: 'ipv4', safi: 'unicast' }] },
      {
        status: {
          phase: 'Ready',
          observedGeneration: 1,
          roles: ['fabric'],
          peers: { total: 2, established: 1 },
          conditions: [condition('Ready'), condition('PeersEstablished')],
        },
      },
    ),
  ],
  BGPPeer: [
    object(
      BGP,
      'BGPPeer',
      'coverage',
      {
        ...structuredClone(fabricPeerWithTimers.spec as object),
        authentication: { password: 'not-recommended' },
        bfd: { enabled: true, detectMultiplier: 5, minimumRx: 300000, minimumTx: 300000, multiHop: false },
        defaultOriginRoute: 'igp',
        ebgpMultiHop: false,
        multiSession: false,
        nextHopSelf: false,
        removePrivateAS: 1,
        routeMapIn: 'fabric-import',
        routeMapOut: 'fabric-export',
      },
      {
        status: {
          sessionState: 'Established',
          lastEstablishedTime: '2024-05-01T10:00:00Z',
          observedGeneration: 1,
          conditions: [condition('Ready'), condition('Accepted')],
        },
      },
    ),
    object(BGP, 'BGPPeer', 'coverage-selector', { ...without(evpnPeerBySelector.spec, 'routerSelector'), routerSelector: structuredClone(selector) }),
  ],
  BGPAdvertisement: [
    object(
      BGP,
      'BGPAdvertisement',
      'coverage',
      {
        ...structuredClone(staticPrefixAdvertisement.spec as object),
        redistribute: ['connected', 'static'],
        originateFrom: { type: 'interface', interfaceName: 'lo' },
        policyRef: { name: 'fabric-export' },
      },
      { status: { advertisedPrefixes: 2, observedGeneration: 1, conditions: [condition('Ready')] } },
    ),
  ],
  BGPPolicy: [
    object(
      BGP,
      'BGPPolicy',
      'coverage',
      {
        routerRef: { name: 'node-1-underlay' },
        direction: 'export',
        terms: [
          {
            sequence: 10,
            action: 'permit',
            match: {
              any: false,
              addressFamilies: [{ afi: 'ipv4', safi: 'unicast' }],
              asPathFilter: { pattern: '^65000_', matchType: 'full' },
              communityMatch: ['65000:100'],
              evpnRouteType: ['iPPrefixAdvertisement'],
              ipPrefix: '10.0.0.0/8',
              localPreference: 100,
              macAddress: 'aa:bb:cc:dd:ee:ff',
              med: 10,
              prefixList: ['10.0.0.0/8'],
              vni: 10100,
            },
            set: {
              asPath: { prepend: 2, asn: 65000 },
              color: 100,
              communities: { add: ['65000:1'], remove: ['65000:2'] },
              extCommunities: { add: ['65000:100'], remove: ['65000:200'] },
              localPreference: 150,
              metric: 20,
              nextHop: { self: false, address: '10.0.0.1' },
              origin: 'igp',
              srv6EndpointBehavior: 'End.DT4',
            },
          },
          { sequence: 20, action: 'permit', match: { any: false }, set: { asPath: { replace: [65001, 65002] } } },
          { sequence: 30, action: 'deny', match: { any: true } },
        ],
      },
      { status: { observedGeneration: 1, conditions: [condition('Ready')] } },
    ),
    object(BGP, 'BGPPolicy', 'coverage-selector', { ...structuredClone(evpnImportFilter.spec as object), routerSelector: structuredClone(selector) }),
  ],
  BGPVRFInstance: [
    object(BGP, 'BGPVRFInstance', 'coverage', structuredClone(blueVrf.spec), {
      status: {
        conditions: [condition('Ready')],
        routers: [
          {
            routerName: 'node-1-overlay',
            conditions: [condition('Ready')],
            resolvedConfig: { asNumber: 65010, routerID: '10.255.0.1', addressFamilies: [{ afi: 'l2vpn', safi: 'evpn' }] },
          },
        ],
      },
    }),
    object(BGP, 'BGPVRFInstance', 'coverage-selector', { ...without(blueVrf.spec, 'routerRef'), routerSelector: structuredClone(selector) }),
  ],
  VPC: [object(VPC, 'VPC', 'coverage', structuredClone(dualStackVpc.spec), { status: { ready: true, identifier: 'vpc-0001' } })],
  VPCAttachment: [
    object(VPC, 'VPCAttachment', 'coverage', structuredClone(blueAttachment.spec), { status: { ready: true, identifier: 'att-0001' } }),
  ],
};

// --- Running admission ----------------------------------------------------------------

export function newAdmission(deps: AdmissionDeps = {}): Admission {
  return createAdmission(kinds, deps);
}

export interface Write {
  object: KubeObject;
  oldObject?: KubeObject;
  subresource?: string;
  fieldValidation?: AdmissionAttributes['fieldValidation'];
}

/** Admits a copy of the object (create, or update when there is an old one); returns the admitted copy and warnings. */
export async function admit(admission: Admission, write: Write): Promise<{ object: KubeObject; warnings: string[] }> {
  const object = deepCopy(write.object);
  const warnings = await admission.admit({
    operation: write.oldObject ? 'UPDATE' : 'CREATE',
    kind: kindNamed(object.kind),
    object,
    oldObject: write.oldObject && deepCopy(write.oldObject),
    subresource: write.subresource ?? '',
    fieldValidation: write.fieldValidation ?? 'Warn',
    dryRun: false,
  });
  return { object, warnings };
}

/** The 422 a write is refused with; fails the test when it is accepted or refused otherwise. */
export async function rejection(admission: Admission, write: Write): Promise<{ message: string; causes: StatusCause[] }> {
  let error: unknown;
  try {
    await admit(admission, write);
  } catch (err) {
    error = err;
  }
  expect(error, 'the write was accepted').toBeInstanceOf(ApiError);
  const status = (error as ApiError).status;
  expect(status.code).toBe(422);
  expect(status.reason).toBe('Invalid');
  return { message: status.message, causes: status.details?.causes ?? [] };
}

/** `field: message` of each cause, as kubectl prints them. */
export function causeLines(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}
