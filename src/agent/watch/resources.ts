// The collections the agent watches, as data: where each lives in the API and how the
// status writer addresses its objects.
import type { BGPAdvertisement, BGPPeer, BGPPolicy, BGPRouter, BGPVRFInstance } from '../../api/types.generated.js';

export const BGP_GROUP = 'bgp.miloapis.com';
export const BGP_VERSION = 'v1alpha1';
export const BGP_API_VERSION = `${BGP_GROUP}/${BGP_VERSION}`;

export interface BgpResource {
  kind: string;
  plural: string;
}

/** Keyed by the name the agent's snapshot uses for each collection. */
export const BGP_RESOURCES = {
  routers: { kind: 'BGPRouter', plural: 'bgprouters' },
  peers: { kind: 'BGPPeer', plural: 'bgppeers' },
  advertisements: { kind: 'BGPAdvertisement', plural: 'bgpadvertisements' },
  policies: { kind: 'BGPPolicy', plural: 'bgppolicies' },
  vrfInstances: { kind: 'BGPVRFInstance', plural: 'bgpvrfinstances' },
} as const satisfies Record<string, BgpResource>;

export type BgpCollection = keyof typeof BGP_RESOURCES;

export interface BgpObjects {
  routers: BGPRouter[];
  peers: BGPPeer[];
  advertisements: BGPAdvertisement[];
  policies: BGPPolicy[];
  vrfInstances: BGPVRFInstance[];
}

export function pluralOfKind(kind: string): string {
  const resource = Object.values(BGP_RESOURCES).find((r) => r.kind === kind);
  if (!resource) throw new Error(`not a BGP kind: ${kind}`);
  return resource.plural;
}

export function collectionPath(plural: string): string {
  return `/apis/${BGP_GROUP}/${BGP_VERSION}/${plural}`;
}

/** The core Secret collection: not served by a standalone Cosmos API server. */
export const SECRETS_PATH = '/api/v1/secrets';
