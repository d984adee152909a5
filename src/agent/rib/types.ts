// The RIB object: one BGPRouter's live BGP table, as the agent serves it and as the API
// server's `bgprouters/rib` subresource passes it on to `kubectl get bgpr X --subresource rib`.
import type { AddressFamily } from '../desired-state.js';
import { BGP_API_VERSION } from '../watch/resources.js';

export interface Rib {
  apiVersion: typeof BGP_API_VERSION;
  kind: 'RIB';
  /** The BGPRouter's name and namespace. */
  metadata: { name: string; namespace: string };
  /** One entry per address family the router runs, in the router's order. */
  families: RibFamily[];
}

export interface RibFamily extends AddressFamily {
  /** Every path, best first within a prefix; prefixes in the runtime's order. */
  routes: RibRoute[];
}

export interface RibRoute {
  /** CIDR, or for EVPN the route as FRR prints it (e.g. `[2]:[0]:[48]:[aa:bb:cc:dd:ee:ff]`). */
  prefix: string;
  /** The path BGP selected for this prefix. */
  best: boolean;
  /** Usable (next hop resolvable, not filtered). */
  valid: boolean;
  nextHops: string[];
  /** Space-separated ASNs, as BGPPolicy's asPathFilter sees it; empty for local routes. */
  asPath: string;
  origin: 'igp' | 'egp' | 'incomplete';
  localPref?: number;
  med?: number;
  communities: string[];
  /** Address of the peer the path came from; absent for locally originated paths. */
  peer?: string;
}

export function ribObject(namespace: string, name: string, families: RibFamily[]): Rib {
  return { apiVersion: BGP_API_VERSION, kind: 'RIB', metadata: { name, namespace }, families };
}
