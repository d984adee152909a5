// A part of the FRR configuration as the renderers produce it: top-level objects
// (route-maps, lists, BFD profiles), lines of the `router bgp` context, and lines of its
// address-family contexts, keyed by family tag (ipv4, ipv6, evpn).
import type { AddressFamily, ObjectRef } from '../desired-state.js';
import { refKey } from '../desired-state.js';
import type { ConfigNode } from './config-tree.js';
import { familyTag } from './names.js';

export interface Section {
  top: ConfigNode[];
  router: ConfigNode[];
  families: Map<string, ConfigNode[]>;
}

export function emptySection(): Section {
  return { top: [], router: [], families: new Map() };
}

export function addToFamily(section: Section, af: AddressFamily, nodes: ConfigNode[]): void {
  const tag = familyTag(af);
  section.families.set(tag, [...(section.families.get(tag) ?? []), ...nodes]);
}

export function sameFamily(a: AddressFamily, b: AddressFamily): boolean {
  return a.afi === b.afi && a.safi === b.safi;
}

/** Orders objects by namespace/name, the same way on every machine (no locale). */
export function byRef(a: { ref: ObjectRef }, b: { ref: ObjectRef }): number {
  const [x, y] = [refKey(a.ref), refKey(b.ref)];
  return x < y ? -1 : x > y ? 1 : 0;
}
