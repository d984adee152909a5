// What part of a node's FRR configuration the agent owns, and so may change or remove:
//
// * the BGP instance of the default VRF (`router bgp <ASN>`, all of it: FRR has one
//   per node and the node's BGPRouters are it),
// * route-maps, prefix-lists, community, extended community, large community and
//   as-path lists, and MAC access-lists whose name begins with `cosmos-`,
// * BFD profiles (`bfd` / `profile cosmos-…`), but not the `bfd` context itself.
//
// Everything else is someone else's and never touched: other daemons' configuration,
// interfaces, static routes, `router bgp <ASN> vrf …` and `view` instances, and any list
// or route-map without the prefix, even when our configuration refers to it.
import { OWNED_PREFIX } from './names.js';

const OWNED_TOP_LEVEL = [
  /^router bgp \d+$/,
  new RegExp(`^(ip|ipv6) prefix-list ${OWNED_PREFIX}`),
  new RegExp(`^bgp (community|extcommunity|large-community)-list (standard |expanded )?${OWNED_PREFIX}`),
  new RegExp(`^bgp as-path access-list ${OWNED_PREFIX}`),
  new RegExp(`^mac access-list ${OWNED_PREFIX}`),
  new RegExp(`^route-map ${OWNED_PREFIX}`),
];

/** Whether the configuration node at this path (its line and the lines of the contexts around it) is the agent's. */
export function isOwned(path: readonly string[]): boolean {
  const [top, second] = path;
  if (top === undefined) return false;
  if (OWNED_TOP_LEVEL.some((re) => re.test(top))) return true;
  return top === 'bfd' && second !== undefined && second.startsWith(`profile ${OWNED_PREFIX}`);
}
