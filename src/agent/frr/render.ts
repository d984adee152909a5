// Desired node state → one complete FRR configuration, deterministic (same state, same
// text) and in the form `show running-config` prints, so apply can compare the two line
// by line. Targets FRR 8.4 with `frr defaults traditional` (the Debian default).
//
// Choices every router gets:
// * `no bgp ebgp-requires-policy`: FRR's default (RFC 8212) silently drops every route
//   to and from an eBGP peer without route-maps. In the API a peer without
//   routeMapIn/routeMapOut exchanges all routes and filtering is what BGPPolicy objects
//   say, so FRR's implicit policy would contradict the objects.
// * `no bgp default ipv4-unicast`: a peer carries exactly the families it lists.
// * `no bgp network import-check`: a BGPAdvertisement prefix is advertised because the
//   object says so, whether or not the node has a route for it.
// FRR runs one BGP instance per node outside VRFs, so routers of a node that share AS
// number and router ID are rendered as that one instance; another router is a conflict.
import type { AddressFamily, DesiredNodeState, DesiredRouter, Problem } from '../desired-state.js';
import { ProblemReason, refKey } from '../desired-state.js';
import { normalizeAddress } from './bgp-values.js';
import { context, line, printConfig, type ConfigNode } from './config-tree.js';
import { renderAdvertisements } from './advertisement.js';
import { renderEvpn } from './evpn.js';
import { familyTag } from './names.js';
import { renderPeers } from './peer.js';
import { PolicyUsage } from './policy-usage.js';
import { byRef, sameFamily } from './section.js';

export interface FrrRendering {
  /** The configuration text; it holds peer passwords, so keep it out of logs (see redactSecrets). */
  config: string;
  problems: Problem[];
}

/** The families in the order FRR writes their contexts. */
const FAMILIES: readonly AddressFamily[] = [
  { afi: 'ipv4', safi: 'unicast' },
  { afi: 'ipv6', safi: 'unicast' },
  { afi: 'l2vpn', safi: 'evpn' },
];

export function renderFrrConfig(state: DesiredNodeState): FrrRendering {
  const problems: Problem[] = [];
  const router = theInstance(state.routers, problems);
  const nodes = router ? renderRouter(router, problems) : [];
  return { config: printConfig(nodes), problems: uniqueProblems(problems) };
}

/** Replaces peer passwords in configuration text or vtysh output. */
export function redactSecrets(text: string): string {
  return text.replace(/(neighbor\s+\S+\s+password\s+).*$/gm, '$1<redacted>');
}

function renderRouter(router: DesiredRouter, problems: Problem[]): ConfigNode[] {
  const families = FAMILIES.filter((af) => router.addressFamilies.some((f) => sameFamily(f, af)));
  const policies = new PolicyUsage(router.policies, problems);
  const peers = renderPeers(router, families, policies, problems);
  const advertisements = renderAdvertisements(router, families, policies, problems);
  const evpn = renderEvpn(router, families.some((af) => af.afi === 'l2vpn'), problems);
  const policyNodes = policies.render(families, router.localASN);

  const familyContexts = families.flatMap((af) => {
    const tag = familyTag(af);
    const lines = [...(peers.families.get(tag) ?? []), ...(advertisements.families.get(tag) ?? []), ...(tag === 'evpn' ? evpn : [])];
    // FRR does not print an empty family context, so none is written.
    return lines.length ? [context(`address-family ${af.afi} ${af.safi}`, lines)] : [];
  });
  const bgp = context(`router bgp ${router.localASN}`, [
    line(`bgp router-id ${router.routerID}`),
    line('no bgp ebgp-requires-policy'),
    line('no bgp default ipv4-unicast'),
    line('no bgp network import-check'),
    ...peers.router,
    ...familyContexts,
  ]);
  return mergeSameLines([...policyNodes, ...advertisements.top, ...peers.top, bgp]);
}

/**
 * The router that becomes the node's BGP instance: the first by namespace/name, with
 * every other router of the same AS number and router ID folded into it.
 */
function theInstance(routers: readonly DesiredRouter[], problems: Problem[]): DesiredRouter | undefined {
  const valid = [...routers].sort(byRef).filter((r) => {
    const asnOk = Number.isInteger(r.localASN) && r.localASN >= 1 && r.localASN <= 0xffffffff;
    if (!asnOk) problems.push({ object: r.ref, reason: ProblemReason.InvalidValue, field: 'spec.localASN', message: `spec.localASN: ${r.localASN} is not an AS number` });
    const idOk = normalizeAddress(r.routerID)?.family === 4;
    if (!idOk) problems.push({ object: r.ref, reason: ProblemReason.InvalidValue, field: 'spec.routerID', message: `spec.routerID: ${r.routerID} is not an IPv4 address` });
    return asnOk && idOk;
  });
  const [first, ...others] = valid;
  if (!first) return undefined;
  const merged: DesiredRouter = { ...first, addressFamilies: [...first.addressFamilies], peers: [...first.peers], advertisements: [...first.advertisements], policies: [...first.policies], vrfs: [...first.vrfs] };
  for (const other of others) {
    if (other.localASN !== first.localASN || other.routerID !== first.routerID) {
      problems.push({
        object: other.ref,
        reason: ProblemReason.Conflict,
        field: 'spec.localASN',
        message: `spec.localASN: FRR runs one BGP instance per node; BGPRouter ${refKey(first.ref)} holds it with AS ${first.localASN} and router ID ${first.routerID}`,
      });
      continue;
    }
    merged.addressFamilies.push(...other.addressFamilies);
    merged.peers.push(...other.peers);
    merged.advertisements.push(...other.advertisements);
    merged.vrfs.push(...other.vrfs);
    const known = new Set(merged.policies.map((p) => refKey(p.ref)));
    merged.policies.push(...other.policies.filter((p) => !known.has(refKey(p.ref))));
  }
  return merged;
}

/** Joins nodes with the same line (a BFD context or route-map several renderers ask for), dropping repeated lines. */
function mergeSameLines(nodes: readonly ConfigNode[]): ConfigNode[] {
  const byLine = new Map<string, ConfigNode>();
  for (const node of nodes) {
    const existing = byLine.get(node.line);
    if (!existing) byLine.set(node.line, node.children ? { line: node.line, children: [...node.children] } : node);
    else if (existing.children && node.children) existing.children = mergeSameLines([...existing.children, ...node.children]);
  }
  return [...byLine.values()];
}

function uniqueProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Map(problems.map((p) => [JSON.stringify([p.object.kind, p.object.namespace, p.object.name, p.field, p.reason, p.message]), p]));
  return [...seen.values()];
}
