// BGPAdvertisement → FRR. Static prefixes become `network` statements (with a route-map
// when the advertisement sets communities or local preference, or filters through a
// policy). Redistribution and origination from an interface or the kernel share FRR's
// one `redistribute <source>` per family: its route-map has an entry per advertisement,
// interface-specific ones first, each matching what the advertisement asks for, setting
// its attributes and calling its policy (a policy that denies a route keeps it out).
import type { AddressFamily, DesiredAdvertisement, DesiredRouter, Problem, RedistributeSource } from '../desired-state.js';
import { ProblemReason, refKey } from '../desired-state.js';
import { communityList, normalizePrefix, standardCommunity, type Community } from './bgp-values.js';
import { context, line } from './config-tree.js';
import { advertisementRouteMap, redistributeRouteMap } from './names.js';
import type { PolicyUsage } from './policy-usage.js';
import { addToFamily, byRef, emptySection, sameFamily, type Section } from './section.js';

interface Contribution {
  advertisement: DesiredAdvertisement;
  interfaceName?: string;
  clauses: string[];
}

export function renderAdvertisements(router: DesiredRouter, families: readonly AddressFamily[], policies: PolicyUsage, problems: Problem[]): Section {
  const section = emptySection();
  const networks = new Map<string, DesiredAdvertisement>();
  const redistributions = new Map<string, { af: AddressFamily; source: RedistributeSource; contributions: Contribution[] }>();
  const report = (adv: DesiredAdvertisement, reason: string, field: string, message: string) =>
    problems.push({ object: adv.ref, reason, field, message: `${field}: ${message}` });

  for (const adv of [...router.advertisements].sort(byRef)) {
    const af = adv.addressFamily;
    if (!families.some((f) => sameFamily(f, af))) {
      report(adv, ProblemReason.AddressFamilyMismatch, 'spec.addressFamily', `router ${refKey(router.ref)} does not run ${af.afi}/${af.safi}`);
      continue;
    }
    if (af.afi === 'l2vpn') {
      report(adv, ProblemReason.UnsupportedField, 'spec.addressFamily', 'FRR originates EVPN routes from VNIs (BGPVRFInstance), not from prefixes or redistribution');
      continue;
    }
    const clauses = attributeClauses(adv, policies, report);
    if (!clauses) continue;

    const networkLines: string[] = [];
    const family = af.afi === 'ipv4' ? 4 : 6;
    adv.prefixes.forEach((text, i) => {
      const prefix = normalizePrefix(text);
      if (!prefix || prefix.family !== family) {
        report(adv, ProblemReason.AddressFamilyMismatch, `spec.prefixes[${i}]`, `${text} is not an ${af.afi} prefix`);
        return;
      }
      const holder = networks.get(prefix.cidr);
      if (holder) {
        report(adv, ProblemReason.Conflict, `spec.prefixes[${i}]`, `BGPAdvertisement ${refKey(holder.ref)} already advertises ${prefix.cidr}`);
        return;
      }
      networks.set(prefix.cidr, adv);
      networkLines.push(`network ${prefix.cidr}${clauses.length ? ` route-map ${advertisementRouteMap(adv.ref)}` : ''}`);
    });
    if (networkLines.length && clauses.length) section.top.push(context(`route-map ${advertisementRouteMap(adv.ref)} permit 10`, clauses.map(line)));
    addToFamily(section, af, networkLines.map(line));

    const sources: { source: RedistributeSource; interfaceName?: string }[] = adv.redistribute.map((source) => ({ source }));
    if (adv.originateFrom?.type === 'interface') sources.push({ source: 'connected', interfaceName: adv.originateFrom.interfaceName });
    if (adv.originateFrom?.type === 'kernel') sources.push({ source: 'kernel' });
    // `redistribute: [kernel]` and `originateFrom: kernel` ask for the same thing.
    const unique = new Map(sources.map((s) => [`${s.source}|${s.interfaceName ?? ''}`, s]));
    for (const { source, interfaceName } of unique.values()) {
      const key = `${af.afi}|${source}`;
      const entry = redistributions.get(key) ?? { af, source, contributions: [] };
      entry.contributions.push({ advertisement: adv, interfaceName, clauses: [...(interfaceName ? [`match interface ${interfaceName}`] : []), ...clauses] });
      redistributions.set(key, entry);
    }
  }

  for (const { af, source, contributions } of [...redistributions.values()].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0))) {
    const map = redistributeRouteMap(af, source);
    // Interface-specific entries first: the first entry that matches decides.
    const ordered = [...contributions.filter((c) => c.interfaceName), ...contributions.filter((c) => !c.interfaceName)];
    ordered.forEach((c, i) => {
      section.top.push(context(`route-map ${map} permit ${(i + 1) * 10}`, [line(`description ${refKey(c.advertisement.ref)}`), ...c.clauses.map(line)]));
    });
    addToFamily(section, af, [line(`redistribute ${source} route-map ${map}`)]);
  }
  return section;
}

type Report = (adv: DesiredAdvertisement, reason: string, field: string, message: string) => void;

/**
 * The route-map clauses giving the advertisement's routes their attributes, or
 * undefined (reported) when its filter policy cannot be used: without its filter an
 * advertisement would originate more than it asks for.
 */
function attributeClauses(adv: DesiredAdvertisement, policies: PolicyUsage, report: Report): string[] | undefined {
  const clauses: string[] = [];
  if (adv.policy) {
    const map = policies.use(adv.policy, adv.addressFamily, 'export', { object: adv.ref, field: 'spec.policyRef.name' });
    if (!map) return undefined;
    clauses.push(`call ${map}`);
  }
  const communities: Community[] = [];
  adv.communities.forEach((text, i) => {
    const community = standardCommunity(text);
    if (community) communities.push(community);
    else report(adv, ProblemReason.UnsupportedField, `spec.communities[${i}]`, `${text} is not a standard community (AA:NN with 16-bit halves) that FRR can set`);
  });
  if (communities.length) clauses.push(`set community ${communityList(communities).join(' ')} additive`);
  if (adv.localPreference !== undefined) clauses.push(`set local-preference ${adv.localPreference}`);
  return clauses;
}
