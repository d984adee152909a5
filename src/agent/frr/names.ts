// Names of the FRR objects the agent generates (route-maps, prefix-lists, community and
// as-path lists, BFD profiles). All begin with `cosmos-`, which is how apply recognizes
// its own objects, and embed the namespace and name of the API object they come from,
// joined by `_`: neither a namespace nor an object name can contain `_`, so two objects
// never share a name, and the name stays the same for as long as the object exists.
import type { AddressFamily, ObjectRef } from '../desired-state.js';

export const OWNED_PREFIX = 'cosmos-';

/** `ipv4`, `ipv6` or `evpn`: the address-family part of per-family names. */
export function familyTag(af: AddressFamily): string {
  return af.afi === 'l2vpn' ? 'evpn' : af.afi;
}

function objectPart(ref: ObjectRef): string {
  return `${ref.namespace}_${ref.name}`;
}

/** The route-map realizing a BGPPolicy for one address family. */
export function policyRouteMap(policy: ObjectRef, af: AddressFamily): string {
  return `${OWNED_PREFIX}pol_${objectPart(policy)}_${familyTag(af)}`;
}

/** A list (prefix, community, as-path, mac) used by one term of a policy; `what` says which. */
export function policyTermList(policy: ObjectRef, sequence: number, what: string): string {
  return `${OWNED_PREFIX}pol_${objectPart(policy)}_t${sequence}_${what}`;
}

/** The route-map attaching an advertisement's attributes to its `network` statements. */
export function advertisementRouteMap(advertisement: ObjectRef): string {
  return `${OWNED_PREFIX}adv_${objectPart(advertisement)}`;
}

/** The route-map of one `redistribute <source>` of a family, shared by the advertisements that use it. */
export function redistributeRouteMap(af: AddressFamily, source: string): string {
  return `${OWNED_PREFIX}redist_${familyTag(af)}_${source}`;
}

/** The route-map that gives a peer's default route its origin. */
export function defaultOriginRouteMap(origin: string): string {
  return `${OWNED_PREFIX}default-origin_${origin}`;
}

/** Matches every IPv6 prefix: what tells an IPv6 EVPN prefix route from an IPv4 one. */
export const ANY_IPV6_PREFIX_LIST = `${OWNED_PREFIX}any-ipv6`;

/** The BFD profile for one combination of timers; peers with equal timers share it. */
export function bfdProfile(detectMultiplier: number, receiveMs: number, transmitMs: number): string {
  return `${OWNED_PREFIX}bfd_${detectMultiplier}x_rx${receiveMs}_tx${transmitMs}`;
}
