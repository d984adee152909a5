// BGPPolicy → FRR, for one address family: a route-map whose entries are the policy's
// terms in sequence order, plus the prefix, community, as-path and MAC lists their
// matches use. A route no term matches is denied, as in any FRR route-map.
//
// Per family, because FRR applies route-maps per family and some conditions only exist
// in one (EVPN route types, a term's addressFamilies, the family of a prefix). A term
// that cannot match in the family is left out of that family's route-map.
//
// What FRR 8.4 cannot express is reported as a problem naming the field, never dropped
// silently. A set action FRR cannot perform is left out (the rest of the term applies);
// a term with a condition FRR cannot test is left out entirely (it never matches).
import type { BGPPolicySpecTermsItemMatch } from '../../api/types.generated.js';
import type { AddressFamily, DesiredPolicy, DesiredPolicyTerm, Problem } from '../desired-state.js';
import { ProblemReason } from '../desired-state.js';
import {
  asnOrIpColonNumber,
  communityList,
  normalizeAddress,
  normalizePrefix,
  prefixWithin,
  standardCommunity,
  type Community,
  type NormalizedPrefix,
} from './bgp-values.js';
import { context, line, type ConfigNode } from './config-tree.js';
import { ANY_IPV6_PREFIX_LIST, familyTag, policyRouteMap, policyTermList } from './names.js';

export interface PolicyRendering {
  /** Top-level configuration: the lists, then the route-map entries. */
  nodes: ConfigNode[];
  problems: Problem[];
  /** Problems that only arise in this family: report them only where the policy is used in it. */
  familyProblems: Problem[];
}

type EvpnRouteType = NonNullable<BGPPolicySpecTermsItemMatch['evpnRouteType']>[number];

// What each EVPN route type of the API matches in FRR; `ipv6Only` restricts type-5
// routes to IPv6 prefixes. Sticky MACs are a flag on type-2 routes FRR cannot match.
const EVPN_ROUTE_TYPES: Record<EvpnRouteType, { frr: string; ipv6Only?: true } | undefined> = {
  inclusiveMulticastEthernetTag: { frr: 'multicast' },
  macIPAdvertisement: { frr: 'macip' },
  iPPrefixAdvertisement: { frr: 'prefix' },
  iPv6PrefixAdvertisement: { frr: 'prefix', ipv6Only: true },
  stickyMACAddress: undefined,
};

const MAX_PREFIX_LENGTH = { 4: 32, 6: 128 } as const;
const LIST_SEQ_STEP = 5;
const ENTRY_SEQ_STEP = 10;

interface Entry {
  action: 'permit' | 'deny';
  sequence: number;
  clauses: string[];
}

/** Collects the nodes and problems of one policy in one family. */
class Rendering {
  readonly lists: ConfigNode[] = [];
  readonly problems: Problem[] = [];
  readonly familyProblems: Problem[] = [];

  constructor(
    readonly policy: DesiredPolicy,
    readonly af: AddressFamily,
    readonly localASN: number,
  ) {}

  get evpn(): boolean {
    return this.af.afi === 'l2vpn';
  }

  report(field: string, reason: string, message: string, onlyInThisFamily = false): void {
    const problem = { object: this.policy.ref, reason, field, message: `${field}: ${message}` };
    (onlyInThisFamily ? this.familyProblems : this.problems).push(problem);
  }

  addLists(lines: string[]): void {
    for (const text of lines) this.lists.push(line(text));
  }
}

export function renderPolicy(policy: DesiredPolicy, af: AddressFamily, localASN: number): PolicyRendering {
  const r = new Rendering(policy, af, localASN);
  const ordered = policy.terms.map((term, index) => ({ term, index })).sort((a, b) => a.term.sequence - b.term.sequence);
  const entries = ordered.flatMap(({ term, index }) => renderTerm(r, term, index));
  const name = policyRouteMap(policy.ref, af);
  const routeMap = entries.length
    ? entries.map((e, i) => context(`route-map ${name} ${e.action} ${(i + 1) * ENTRY_SEQ_STEP}`, [line(`description term ${e.sequence}`), ...e.clauses.map(line)]))
    : [context(`route-map ${name} deny ${ENTRY_SEQ_STEP}`, [line(`description no term applies to ${familyTag(af)}`)])];
  return { nodes: [...r.lists, ...routeMap], problems: r.problems, familyProblems: r.familyProblems };
}

function renderTerm(r: Rendering, term: DesiredPolicyTerm, index: number): Entry[] {
  const at = (path: string) => `spec.terms[${index}].${path}`;
  const matches = term.match.any ? [[]] : renderMatches(r, term, at);
  // A term that cannot match in this family says nothing about its actions here.
  if (!matches.length) return [];
  const sets = term.action === 'permit' ? renderSets(r, term, at) : [];
  return matches.map((clauses) => ({ action: term.action, sequence: term.sequence, clauses: [...clauses, ...sets] }));
}

/**
 * The match clauses of a term, one list per route-map entry: several when the term
 * matches any of several EVPN route types, none when it cannot match in this family.
 */
function renderMatches(r: Rendering, term: DesiredPolicyTerm, at: (path: string) => string): string[][] {
  const m = term.match;
  if (m.addressFamilies?.length && !m.addressFamilies.some((f) => f.afi === r.af.afi && f.safi === r.af.safi)) return [];
  const evpnOnly = (m.evpnRouteType?.length ?? 0) > 0 || (m.vni ?? 0) > 0 || m.macAddress !== undefined;
  if (evpnOnly && !r.evpn) return [];

  const common: string[] = [];
  const prefixes = matchedPrefixes(r, m, at);
  if (prefixes === 'never') return [];
  let prefixFamily: 4 | 6 | undefined;
  if (prefixes) {
    const families = [...new Set(prefixes.map((p) => p.family))];
    const relevant = r.evpn ? prefixes : prefixes.filter((p) => p.family === (r.af.afi === 'ipv4' ? 4 : 6));
    if (!relevant.length) return [];
    if (families.length > 1 && r.evpn) {
      r.report(at('match.prefixList'), ProblemReason.UnsupportedField, 'FRR matches an EVPN route against prefixes of one IP family per term; this term mixes IPv4 and IPv6', true);
      return [];
    }
    prefixFamily = relevant[0]!.family;
    common.push(prefixListClause(r, term.sequence, prefixFamily, relevant));
  }

  if (m.communityMatch?.length) {
    const communities = validCommunities(r, m.communityMatch, at('match.communityMatch'));
    if (!communities) return [];
    const name = policyTermList(r.policy.ref, term.sequence, 'match');
    r.addLists(communities.map((c, i) => `bgp community-list standard ${name} seq ${(i + 1) * LIST_SEQ_STEP} permit ${c}`));
    common.push(`match community ${name}`);
  }
  if (m.asPathFilter) {
    const regex = m.asPathFilter.matchType === 'full' ? `^(${m.asPathFilter.pattern})$` : m.asPathFilter.pattern;
    const name = policyTermList(r.policy.ref, term.sequence, 'aspath');
    r.addLists([`bgp as-path access-list ${name} seq ${LIST_SEQ_STEP} permit ${regex}`]);
    common.push(`match as-path ${name}`);
  }
  if (m.localPreference !== undefined) common.push(`match local-preference ${m.localPreference}`);
  if (m.med !== undefined) common.push(`match metric ${m.med}`);
  if ((m.vni ?? 0) > 0) common.push(`match evpn vni ${m.vni}`);
  if (m.macAddress !== undefined) {
    const name = policyTermList(r.policy.ref, term.sequence, 'mac');
    r.addLists([`mac access-list ${name} seq ${LIST_SEQ_STEP} permit ${m.macAddress.toLowerCase()}`]);
    common.push(`match mac address ${name}`);
  }

  if (!m.evpnRouteType?.length) return [common];
  const splits: string[][] = [];
  for (const [i, type] of m.evpnRouteType.entries()) {
    if (m.evpnRouteType.indexOf(type) !== i) continue;
    const frr = EVPN_ROUTE_TYPES[type];
    if (!frr) {
      r.report(at(`match.evpnRouteType[${i}]`), ProblemReason.UnsupportedField, `FRR cannot match EVPN route type ${type}`);
      continue;
    }
    if (!frr.ipv6Only || prefixFamily === 6) splits.push([`match evpn route-type ${frr.frr}`, ...common]);
    else if (prefixFamily === undefined) {
      r.addLists([`ipv6 prefix-list ${ANY_IPV6_PREFIX_LIST} seq ${LIST_SEQ_STEP} permit ::/0 le 128`]);
      splits.push([`match evpn route-type ${frr.frr}`, `match ipv6 address prefix-list ${ANY_IPV6_PREFIX_LIST}`, ...common]);
    }
  }
  return splits;
}

/**
 * The prefixes a term matches: prefixList entries and anything longer inside them,
 * ipPrefix exactly; both together mean ipPrefix, if it lies inside one of the entries.
 */
function matchedPrefixes(r: Rendering, m: BGPPolicySpecTermsItemMatch, at: (path: string) => string): { prefix: NormalizedPrefix; exact: boolean; family: 4 | 6 }[] | 'never' | undefined {
  const blocks: NormalizedPrefix[] = [];
  for (const [i, text] of (m.prefixList ?? []).entries()) {
    const prefix = normalizePrefix(text);
    if (!prefix) {
      r.report(at(`match.prefixList[${i}]`), ProblemReason.InvalidValue, `${text} is not a CIDR prefix`);
      return 'never';
    }
    blocks.push(prefix);
  }
  let exact: NormalizedPrefix | undefined;
  if (m.ipPrefix !== undefined) {
    exact = normalizePrefix(m.ipPrefix);
    if (!exact) {
      r.report(at('match.ipPrefix'), ProblemReason.InvalidValue, `${m.ipPrefix} is not a CIDR prefix`);
      return 'never';
    }
  }
  if (exact) return blocks.length && !blocks.some((b) => prefixWithin(exact, b)) ? 'never' : [{ prefix: exact, exact: true, family: exact.family }];
  return blocks.length ? blocks.map((b) => ({ prefix: b, exact: false, family: b.family })) : undefined;
}

function prefixListClause(r: Rendering, sequence: number, family: 4 | 6, prefixes: { prefix: NormalizedPrefix; exact: boolean }[]): string {
  const name = policyTermList(r.policy.ref, sequence, `v${family}`);
  const ip = family === 4 ? 'ip' : 'ipv6';
  r.addLists(
    prefixes.map(({ prefix, exact }, i) => {
      const orLonger = !exact && prefix.length < MAX_PREFIX_LENGTH[family] ? ` le ${MAX_PREFIX_LENGTH[family]}` : '';
      return `${ip} prefix-list ${name} seq ${(i + 1) * LIST_SEQ_STEP} permit ${prefix.cidr}${orLonger}`;
    }),
  );
  return `match ${ip} address prefix-list ${name}`;
}

/** The communities as FRR writes them, or undefined (reported) when one is not a standard community. */
function validCommunities(r: Rendering, values: readonly string[], field: string): string[] | undefined {
  const parsed: Community[] = [];
  for (const [i, text] of values.entries()) {
    const community = standardCommunity(text);
    if (!community) {
      r.report(`${field}[${i}]`, ProblemReason.UnsupportedField, `${text} is not a standard community (AA:NN with 16-bit halves) that FRR can match or set`);
      return undefined;
    }
    parsed.push(community);
  }
  return communityList(parsed);
}

function renderSets(r: Rendering, term: DesiredPolicyTerm, at: (path: string) => string): string[] {
  const s = term.set;
  if (!s) return [];
  const clauses: string[] = [];
  if (s.communities?.add?.length) {
    const add = validCommunities(r, s.communities.add, at('set.communities.add'));
    if (add) clauses.push(`set community ${add.join(' ')} additive`);
  }
  if (s.communities?.remove?.length) {
    const remove = validCommunities(r, s.communities.remove, at('set.communities.remove'));
    if (remove) {
      const name = policyTermList(r.policy.ref, term.sequence, 'remove');
      r.addLists(remove.map((c, i) => `bgp community-list standard ${name} seq ${(i + 1) * LIST_SEQ_STEP} permit ${c}`));
      clauses.push(`set comm-list ${name} delete`);
    }
  }
  if (s.extCommunities?.add?.length) {
    const values = s.extCommunities.add.map((text, i) => {
      const value = asnOrIpColonNumber(text);
      if (!value) r.report(at(`set.extCommunities.add[${i}]`), ProblemReason.InvalidValue, `${text} is not a route target ASN:NN or IP:NN (6 bytes)`);
      return value;
    });
    if (values.every(Boolean)) clauses.push(`set extcommunity rt ${[...new Set(values)].join(' ')}`);
  }
  if (s.extCommunities?.remove?.length) {
    r.report(at('set.extCommunities.remove'), ProblemReason.UnsupportedField, 'FRR 8.4 cannot remove extended communities in a route-map');
  }
  if (s.localPreference !== undefined) clauses.push(`set local-preference ${s.localPreference}`);
  if (s.metric !== undefined) clauses.push(`set metric ${s.metric}`);
  if (s.origin !== undefined) clauses.push(`set origin ${s.origin}`);
  if (s.color !== undefined) {
    if (s.color === 0) r.report(at('set.color'), ProblemReason.InvalidValue, 'FRR colors are 1 to 4294967295');
    else clauses.push(`set sr-te color ${s.color}`);
  }
  if (s.srv6EndpointBehavior !== undefined) {
    r.report(at('set.srv6EndpointBehavior'), ProblemReason.UnsupportedField, 'FRR cannot set an SRv6 endpoint behavior from a route-map');
  }
  if (s.asPath?.replace?.length) {
    r.report(at('set.asPath.replace'), ProblemReason.UnsupportedField, 'FRR 8.4 cannot replace a whole AS path in a route-map');
  }
  if (s.asPath?.prepend !== undefined) {
    const asn = s.asPath.asn ?? r.localASN;
    if (!Number.isInteger(asn) || asn < 1 || asn > 0xffffffff) r.report(at('set.asPath.asn'), ProblemReason.InvalidValue, `${asn} is not an AS number`);
    else clauses.push(`set as-path prepend ${Array(s.asPath.prepend).fill(asn).join(' ')}`);
  }
  clauses.push(...nextHopClauses(r, term, at));
  return clauses;
}

function nextHopClauses(r: Rendering, term: DesiredPolicyTerm, at: (path: string) => string): string[] {
  const nextHop = term.set?.nextHop;
  if (nextHop?.self) {
    if (r.policy.direction === 'import') {
      r.report(at('set.nextHop.self'), ProblemReason.UnsupportedField, 'FRR sets the next hop to the local address only on export');
      return [];
    }
    if (r.evpn) {
      r.report(at('set.nextHop.self'), ProblemReason.UnsupportedField, 'FRR cannot set the next hop of EVPN routes in a route-map', true);
      return [];
    }
    return [`set ${r.af.afi === 'ipv4' ? 'ip' : 'ipv6'} next-hop peer-address`];
  }
  if (nextHop?.address) {
    const address = normalizeAddress(nextHop.address);
    if (!address) {
      r.report(at('set.nextHop.address'), ProblemReason.InvalidValue, `${nextHop.address} is not an IP address`);
      return [];
    }
    if (r.evpn) {
      r.report(at('set.nextHop.address'), ProblemReason.UnsupportedField, 'FRR cannot set the next hop of EVPN routes in a route-map', true);
      return [];
    }
    // An IPv4 next hop concerns IPv4 routes only, and likewise for IPv6.
    if (r.af.afi === 'ipv4' && address.family === 4) return [`set ip next-hop ${address.address}`];
    if (r.af.afi === 'ipv6' && address.family === 6) return [`set ipv6 next-hop global ${address.address}`];
  }
  return [];
}
