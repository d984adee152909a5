// The contract between a node agent and the API server's bgprouters/rib subresource:
// the RIB object (one BGPRouter's live BGP table, documented in
// openapi/subresources/bgp.miloapis.com/v1alpha1/rib.yaml) and the annotations with which
// the agent registers where it serves it.

/** The agent's HTTPS URL for this router's RIB. */
export const RIB_ENDPOINT_ANNOTATION = 'bgp.miloapis.com/rib-endpoint';
/** Hex SHA-256 of the agent's serving certificate (DER), pinned by the API server. */
export const RIB_CERT_SHA256_ANNOTATION = 'bgp.miloapis.com/rib-endpoint-cert-sha256';

export interface Rib {
  apiVersion: 'bgp.miloapis.com/v1alpha1';
  kind: 'RIB';
  /** The BGPRouter's name and namespace. */
  metadata: { name: string; namespace: string };
  /** One entry per address family the router runs, in the router's order. */
  families: RibFamily[];
}

export interface RibFamily {
  afi: string;
  safi: string;
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
