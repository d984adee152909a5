// IP addresses and prefixes parsed exactly as Go's net/netip does, because the
// Kubernetes CEL library (isIP, isCIDR, ip(), cidr()) and the schema formats are Go code:
// what they accept and how they print addresses is the contract. Syntax is checked with
// node:net (strict dotted decimal, no leading zeros, like Go since 1.17); the byte math
// and RFC 5952 printing come from ipaddr.js.
import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface IPAddress {
  family: 4 | 6;
  ip: ipaddr.IPv4 | ipaddr.IPv6;
  /** 4 or 16 bytes, network order. */
  bytes: number[];
  /** Go's netip.Addr.String(): dotted decimal, or RFC 5952 for IPv6. */
  canonical: string;
}

export interface IPPrefix {
  /** The address as written (host bits kept), like netip.Prefix.Addr(). */
  address: IPAddress;
  bits: number;
}

/** netip.ParseAddr without zones (no address that can appear in a Kubernetes field has one). */
export function parseAddress(text: string): IPAddress | undefined {
  if (isIPv4(text)) {
    const ip = ipaddr.IPv4.parse(text);
    const bytes = ip.toByteArray();
    return { family: 4, ip, bytes, canonical: bytes.join('.') };
  }
  if (!isIPv6(text) || text.includes('%')) return undefined;
  // ipaddr.js reads the deprecated "::a.b.c.d" form as IPv4-mapped; Go (and RFC 4291)
  // read it as the IPv4-compatible address ::a.b.c.d, which "::0:a.b.c.d" spells unambiguously.
  const unambiguous = /^::\d+\.\d+\.\d+\.\d+$/.test(text) ? `::0:${text.slice(2)}` : text;
  const ip = ipaddr.IPv6.parse(unambiguous);
  const bytes = ip.toByteArray();
  const canonical = isIPv4Mapped(bytes) ? `::ffff:${bytes.slice(12).join('.')}` : ip.toRFC5952String();
  return { family: 6, ip, bytes, canonical };
}

/** netip.ParsePrefix: an address, '/', and a decimal prefix length without sign or leading zeros. */
export function parsePrefix(text: string): IPPrefix | undefined {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return undefined;
  const address = parseAddress(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (!address || !/^(0|[1-9][0-9]*)$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > address.bytes.length * 8) return undefined;
  return { address, bits };
}

/** ::ffff:a.b.c.d, which Kubernetes refuses wherever it parses an IP or a CIDR. */
export function isIPv4Mapped(bytes: readonly number[]): boolean {
  return bytes.length === 16 && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

/** The prefix with its host bits cleared (netip.Prefix.Masked). */
export function maskedPrefix(prefix: IPPrefix): IPPrefix {
  const bytes = prefix.address.bytes.map((byte, i) => {
    const keep = Math.min(8, Math.max(0, prefix.bits - i * 8));
    return byte & (0xff << (8 - keep)) & 0xff;
  });
  return { address: addressFromBytes(bytes), bits: prefix.bits };
}

export function formatPrefix(prefix: IPPrefix): string {
  return `${prefix.address.canonical}/${prefix.bits}`;
}

export function prefixContainsAddress(prefix: IPPrefix, address: IPAddress): boolean {
  if (prefix.address.family !== address.family) return false;
  return address.ip.match(prefix.address.ip, prefix.bits);
}

/** True when every address of `inner` is in `outer`. */
export function prefixContainsPrefix(outer: IPPrefix, inner: IPPrefix): boolean {
  return inner.bits >= outer.bits && prefixContainsAddress(outer, inner.address);
}

export function prefixesOverlap(a: IPPrefix, b: IPPrefix): boolean {
  return prefixContainsPrefix(a, b) || prefixContainsPrefix(b, a);
}

function addressFromBytes(bytes: number[]): IPAddress {
  return parseAddress(ipaddr.fromByteArray(bytes).toString())!;
}
