// Every match and set field of the BGPPolicy schema either changes the FRR configuration
// or is reported as a problem naming it: nothing is dropped silently. The schema is read
// from openapi/, so a field added there fails this test until the renderer handles it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../../../src/api/project-root.js';
import type { DesiredNodeState, DesiredPolicyTerm } from '../../../src/agent/desired-state.js';
import { renderFrrConfig } from '../../../src/agent/frr/render.js';

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
}

function leaves(node: SchemaNode, prefix: string): string[] {
  if (node.type !== 'object' || !node.properties) return [prefix];
  return Object.entries(node.properties).flatMap(([name, child]) => leaves(child, `${prefix}.${name}`));
}

const schema = parse(readFileSync(join(projectRoot(), 'openapi', 'bgp.miloapis.com', 'v1alpha1', 'bgppolicies.yaml'), 'utf8'));
const term = schema.schema.openAPIV3Schema.properties.spec.properties.terms.items as SchemaNode;
const schemaFields = [...leaves(term.properties!.match!, 'match'), ...leaves(term.properties!.set!, 'set')].sort();

// For each field, a term that uses it; the term without the field is the baseline.
const SAMPLES: Record<string, Omit<DesiredPolicyTerm, 'sequence' | 'action'>> = {
  'match.addressFamilies': { match: { addressFamilies: [{ afi: 'ipv6', safi: 'unicast' }] } },
  'match.any': { match: { any: true, med: 0 } },
  'match.asPathFilter.pattern': { match: { asPathFilter: { pattern: '_65001$' } } },
  'match.asPathFilter.matchType': { match: { asPathFilter: { pattern: '65001', matchType: 'full' } } },
  'match.communityMatch': { match: { communityMatch: ['65000:1'] } },
  'match.evpnRouteType': { match: { evpnRouteType: ['macIPAdvertisement'] } },
  'match.ipPrefix': { match: { ipPrefix: '10.1.0.0/16' } },
  'match.localPreference': { match: { localPreference: 100 } },
  'match.macAddress': { match: { macAddress: 'aa:bb:cc:dd:ee:ff' } },
  'match.med': { match: { med: 10 } },
  'match.prefixList': { match: { prefixList: ['10.0.0.0/8', '2001:db8::/32'] } },
  'match.vni': { match: { vni: 10100 } },
  'set.asPath.asn': { match: {}, set: { asPath: { prepend: 1, asn: 65099 } } },
  'set.asPath.prepend': { match: {}, set: { asPath: { prepend: 2 } } },
  'set.asPath.replace': { match: {}, set: { asPath: { replace: [65001, 65002] } } },
  'set.color': { match: {}, set: { color: 7 } },
  'set.communities.add': { match: {}, set: { communities: { add: ['65000:1'] } } },
  'set.communities.remove': { match: {}, set: { communities: { remove: ['65000:2'] } } },
  'set.extCommunities.add': { match: {}, set: { extCommunities: { add: ['65000:100'] } } },
  'set.extCommunities.remove': { match: {}, set: { extCommunities: { remove: ['65000:200'] } } },
  'set.localPreference': { match: {}, set: { localPreference: 150 } },
  'set.metric': { match: {}, set: { metric: 20 } },
  'set.nextHop.address': { match: {}, set: { nextHop: { address: '10.0.0.1' } } },
  'set.nextHop.self': { match: {}, set: { nextHop: { self: true } } },
  'set.origin': { match: {}, set: { origin: 'egp' } },
  'set.srv6EndpointBehavior': { match: {}, set: { srv6EndpointBehavior: 'End.DT6' } },
};

/** The term without the field, and without objects that field leaves empty. */
function withoutField(sample: Omit<DesiredPolicyTerm, 'sequence' | 'action'>, path: string): Omit<DesiredPolicyTerm, 'sequence' | 'action'> {
  const copy = structuredClone(sample) as Record<string, unknown>;
  const parts = path.split('.');
  const parents: Record<string, unknown>[] = [copy];
  for (const part of parts.slice(0, -1)) parents.push(parents[parents.length - 1]![part] as Record<string, unknown>);
  delete parents[parents.length - 1]![parts[parts.length - 1]!];
  for (let i = parents.length - 1; i > 1; i--) {
    if (Object.keys(parents[i]!).length === 0) delete parents[i - 1]![parts[i - 1]!];
  }
  return copy as Omit<DesiredPolicyTerm, 'sequence' | 'action'>;
}

/** A router running every family, with one peer exporting through the policy in all of them. */
function stateWith(sample: Omit<DesiredPolicyTerm, 'sequence' | 'action'>): DesiredNodeState {
  const families = [{ afi: 'ipv4', safi: 'unicast' }, { afi: 'ipv6', safi: 'unicast' }, { afi: 'l2vpn', safi: 'evpn' }] as const;
  const policy = { kind: 'BGPPolicy', namespace: 'default', name: 'p' } as const;
  return {
    routers: [
      {
        ref: { kind: 'BGPRouter', namespace: 'default', name: 'r' },
        localASN: 65000,
        routerID: '10.0.0.1',
        addressFamilies: [...families],
        peers: [{ ref: { kind: 'BGPPeer', namespace: 'default', name: 'peer' }, address: '10.0.0.2', peerASN: 65001, addressFamilies: [...families], holdTimeSeconds: 90, keepaliveSeconds: 30, exportPolicy: policy }],
        advertisements: [],
        policies: [{ ref: policy, direction: 'export', terms: [{ sequence: 10, action: 'permit', ...sample }] }],
        vrfs: [],
      },
    ],
  };
}

describe('every BGPPolicy match and set field', () => {
  it('has a sample, and every sample is a field of the schema', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(schemaFields);
  });

  for (const field of schemaFields) {
    it(`${field} is rendered or reported`, () => {
      const sample = SAMPLES[field];
      expect(sample, `no sample for ${field}`).toBeDefined();
      const withField = renderFrrConfig(stateWith(sample!));
      const baseline = renderFrrConfig(stateWith(withoutField(sample!, field)));
      const reported = withField.problems.filter((p) => p.field?.startsWith(`spec.terms[0].${field}`));
      const rendered = withField.config !== baseline.config;
      expect(rendered || reported.length > 0, `${field} neither changes the configuration nor is reported`).toBe(true);
      for (const problem of reported) {
        expect(problem.object).toEqual({ kind: 'BGPPolicy', namespace: 'default', name: 'p' });
        expect(['UnsupportedField', 'InvalidValue']).toContain(problem.reason);
        expect(problem.message).toContain(field.split('.').pop());
      }
    });
  }
});
