// BGP values in the form FRR accepts and prints back: communities, route targets and
// distinguishers, prefixes and addresses. Each returns undefined for a value FRR cannot
// take, so the caller can report it instead of sending FRR a line it would refuse.
import ipaddr from 'ipaddr.js';

const MAX_U16 = 0xffff;
const MAX_U32 = 0xffffffff;

// The names FRR accepts besides AA:NN, with their values: FRR prints a community by its
// name when it has one, and orders communities by value.
const WELL_KNOWN_COMMUNITIES = new Map<string, number>([
  ['internet', 0],
  ['graceful-shutdown', 0xffff0000],
  ['accept-own', 0xffff0001],
  ['route-filter-translated-v4', 0xffff0002],
  ['route-filter-v4', 0xffff0003],
  ['route-filter-translated-v6', 0xffff0004],
  ['route-filter-v6', 0xffff0005],
  ['llgr-stale', 0xffff0006],
  ['no-llgr', 0xffff0007],
  ['accept-own-nexthop', 0xffff0008],
  ['blackhole', 0xffff029a],
  ['no-export', 0xffffff01],
  ['no-advertise', 0xffffff02],
  ['local-AS', 0xffffff03],
  ['no-peer', 0xffffff04],
]);
const NAME_OF_COMMUNITY = new Map([...WELL_KNOWN_COMMUNITIES].map(([name, value]) => [value, name]));

function u32(text: string): number | undefined {
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= MAX_U32 ? n : undefined;
}

export interface Community {
  value: number;
  /** As FRR prints it. */
  text: string;
}

/** A standard community (RFC 1997): AA:NN with two 16-bit halves, or a well-known name. */
export function standardCommunity(text: string): Community | undefined {
  const named = WELL_KNOWN_COMMUNITIES.get(text);
  if (named !== undefined) return { value: named, text };
  const [high, low, ...rest] = text.split(':');
  const a = u32(high ?? '');
  const b = u32(low ?? '');
  if (rest.length || a === undefined || b === undefined || a > MAX_U16 || b > MAX_U16) return undefined;
  const value = a * 0x10000 + b;
  return { value, text: NAME_OF_COMMUNITY.get(value) ?? `${a}:${b}` };
}

/** Communities without duplicates, in FRR's order (by value). */
export function communityList(communities: readonly Community[]): string[] {
  const byValue = new Map(communities.map((c) => [c.value, c.text]));
  return [...byValue.keys()].sort((x, y) => x - y).map((v) => byValue.get(v)!);
}

/**
 * A route target, route distinguisher or extended community value, `ASN:NN` or `IP:NN`:
 * six bytes, so a 2-byte ASN leaves 4 bytes for NN and a 4-byte ASN or an address 2.
 */
export function asnOrIpColonNumber(value: string): string | undefined {
  const colon = value.lastIndexOf(':');
  const admin = value.slice(0, colon);
  const assigned = u32(value.slice(colon + 1));
  if (colon < 0 || assigned === undefined) return undefined;
  if (ipaddr.IPv4.isValidFourPartDecimal(admin)) return assigned <= MAX_U16 ? `${ipaddr.IPv4.parse(admin).toString()}:${assigned}` : undefined;
  const asn = u32(admin);
  if (asn === undefined) return undefined;
  const limit = asn <= MAX_U16 ? MAX_U32 : MAX_U16;
  return assigned <= limit ? `${asn}:${assigned}` : undefined;
}

export interface NormalizedPrefix {
  /** The network in canonical text, host bits cleared: `10.1.0.0/24`, `2001:db8::/48`. */
  cidr: string;
  family: 4 | 6;
  length: number;
}

export function normalizePrefix(cidr: string): NormalizedPrefix | undefined {
  if (!isStrictAddress(cidr.split('/')[0] ?? '')) return undefined;
  try {
    const [address, length] = ipaddr.parseCIDR(cidr);
    const network = address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
    return { cidr: `${network.toString()}/${length}`, family: address.kind() === 'ipv4' ? 4 : 6, length };
  } catch {
    return undefined;
  }
}

/** Whether `inner` lies within `outer` (both normalized). */
export function prefixWithin(inner: NormalizedPrefix, outer: NormalizedPrefix): boolean {
  if (inner.family !== outer.family || inner.length < outer.length) return false;
  const [innerAddress] = ipaddr.parseCIDR(inner.cidr);
  return innerAddress.match(ipaddr.parseCIDR(outer.cidr));
}

export interface NormalizedAddress {
  address: string;
  family: 4 | 6;
}

// ipaddr.js also takes the old classful forms (`10`, `0x0a.1`), which FRR does not.
function isStrictAddress(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text);
}

export function normalizeAddress(text: string): NormalizedAddress | undefined {
  if (!isStrictAddress(text)) return undefined;
  const address = ipaddr.parse(text);
  return { address: address.toString(), family: address.kind() === 'ipv4' ? 4 : 6 };
}
