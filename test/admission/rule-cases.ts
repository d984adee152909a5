// For every x-kubernetes-validations rule of the reference CRDs, a way to break it alone
// and values on its edge that must pass: used in process (test/admission) and over HTTP
// (test/validation).
import { referenceSchemaNodes } from './schema-walk.js';

type Node = Record<string, unknown>;

export interface RuleCases {
  /** Turns the (valid) value at the rule's node into one that breaks this rule only. */
  violate: (value: unknown) => unknown;
  /** Further values of the node that must pass. */
  passing?: ((value: unknown) => unknown)[];
  /** Causes another layer reports for the same violation (e.g. list-map key uniqueness). */
  alsoReported?: (path: string) => string[];
}

const with_ = (patch: Node) => (value: unknown) => ({ ...(value as Node), ...patch });
const without = (...keys: string[]) => (value: unknown) => Object.fromEntries(Object.entries(value as Node).filter(([k]) => !keys.includes(k)));
const constant = (replacement: unknown) => () => replacement;

/** A match with `any: true` and only `field` besides (holding a value that makes the rule fail). */
const anyWith = (field: string) => (value: unknown) => ({ any: true, [field]: (value as Node)[field] });

const AFI_SAFI_PASSING = [constant({ afi: 'ipv4', safi: 'unicast' }), constant({ afi: 'ipv6', safi: 'unicast' }), constant({ afi: 'l2vpn', safi: 'evpn' })];

/** Per rule text: how to break it, and values on its edge that must pass. */
export const RULE_CASES: Record<string, RuleCases> = {
  "self.afi == 'ipv4' ? self.safi == 'unicast' : true": { violate: constant({ afi: 'ipv4', safi: 'evpn' }), passing: AFI_SAFI_PASSING },
  "self.afi == 'ipv6' ? self.safi == 'unicast' : true": { violate: constant({ afi: 'ipv6', safi: 'evpn' }), passing: AFI_SAFI_PASSING },
  "self.afi == 'l2vpn' ? self.safi == 'evpn' : true": { violate: constant({ afi: 'l2vpn', safi: 'unicast' }), passing: AFI_SAFI_PASSING },
  'has(self.routerRef) != has(self.routerSelector)': {
    violate: (v) => ({ ...(v as Node), routerRef: { name: 'r' }, routerSelector: { matchLabels: { a: 'b' } } }),
    passing: [(v) => ({ ...without('routerSelector')(v), routerRef: { name: 'r' } }), (v) => ({ ...without('routerRef')(v), routerSelector: {} })],
  },
  'isIP(self)': {
    violate: constant('2001:db8:fabric::1'),
    passing: [constant('192.0.2.1'), constant('2001:db8::1'), constant('::1.2.3.4')],
  },
  "duration(self) == duration('0s') || duration(self) >= duration('3s')": {
    violate: constant('2s'),
    passing: [constant('0s'), constant('0'), constant('3s'), constant('1m30s'), constant('1.5h')],
  },
  "duration(self) == duration('0s') || duration(self) <= duration('30s')": {
    violate: constant('31s'),
    passing: [constant('0s'), constant('30s'), constant('500ms')],
  },
  "self.all(c, c.matches('^[0-9]{1,10}:[0-9]{1,10}$') || c.matches('^[0-9]{1,3}\\\\.[0-9]{1,3}\\\\.[0-9]{1,3}\\\\.[0-9]{1,3}:[0-9]{1,10}$'))": {
    violate: (v) => [...(v as string[]), 'no-export'],
    passing: [constant(['65000:100']), constant(['192.0.2.1:7']), constant([])],
  },
  "self.matches('^[0-9]+\\\\.[0-9]+\\\\.[0-9]+\\\\.[0-9]+/[0-9]{1,2}$|^[0-9a-fA-F:]+::?[0-9a-fA-F:]+/[0-9]{1,3}$')": {
    violate: constant('10.0.0.0'),
    passing: [constant('10.0.0.0/8'), constant('2001:db8::/32')],
  },
  "self.type == 'interface' ? has(self.interfaceName) : true": { violate: constant({ type: 'interface' }), passing: [constant({ type: 'kernel' })] },
  "self.type == 'kernel' ? !has(self.interfaceName) : true": { violate: constant({ type: 'kernel', interfaceName: 'lo' }) },
  '(has(self.prefixes) && self.prefixes.size() > 0) || (has(self.redistribute) && self.redistribute.size() > 0) || has(self.originateFrom)': {
    violate: (v) => ({ ...without('prefixes', 'redistribute', 'originateFrom')(v), prefixes: [], redistribute: [] }),
    passing: [without('prefixes', 'redistribute'), without('prefixes', 'originateFrom'), without('redistribute', 'originateFrom')],
  },
  '!has(self.any) || !self.any || !has(self.prefixList) || self.prefixList.size() == 0': {
    violate: anyWith('prefixList'),
    passing: [constant({ any: true, prefixList: [] }), with_({ any: false })],
  },
  '!has(self.any) || !self.any || !has(self.asPathFilter) || self.asPathFilter.pattern.size() == 0': { violate: anyWith('asPathFilter') },
  '!has(self.any) || !self.any || !has(self.communityMatch) || self.communityMatch.size() == 0': {
    violate: anyWith('communityMatch'),
    passing: [constant({ any: true, communityMatch: [] })],
  },
  '!has(self.any) || !self.any || !has(self.evpnRouteType) || self.evpnRouteType.size() == 0': {
    violate: anyWith('evpnRouteType'),
    passing: [constant({ any: true, evpnRouteType: [] })],
  },
  '!has(self.any) || !self.any || !has(self.vni) || self.vni == 0': { violate: anyWith('vni'), passing: [constant({ any: true, vni: 0 })] },
  '!has(self.any) || !self.any || !has(self.macAddress) || self.macAddress.size() == 0': { violate: anyWith('macAddress') },
  '!has(self.any) || !self.any || !has(self.ipPrefix) || self.ipPrefix.size() == 0': { violate: anyWith('ipPrefix') },
  '!has(self.any) || !self.any || !has(self.localPreference) || self.localPreference == 0': {
    violate: anyWith('localPreference'),
    passing: [constant({ any: true, localPreference: 0 })],
  },
  '!has(self.any) || !self.any || !has(self.med) || self.med == 0': { violate: anyWith('med'), passing: [constant({ any: true, med: 0 })] },
  '!has(self.any) || !self.any || !has(self.addressFamilies) || self.addressFamilies.size() == 0': {
    violate: anyWith('addressFamilies'),
    passing: [constant({ any: true, addressFamilies: [] })],
  },
  '!has(self.prepend) || !has(self.replace) || self.replace.size() == 0': {
    violate: constant({ prepend: 2, replace: [65001] }),
    passing: [constant({ prepend: 2, replace: [] }), constant({ replace: [65001] })],
  },
  'isCIDR(self)': { violate: constant('10.0.0.0/33'), passing: [constant('10.0.0.1/32'), constant('2001:db8::/128')] },
  'self.all(p, isCIDR(p))': { violate: (v) => [...(v as string[]), '10.0.0.0'], passing: [constant(['0.0.0.0/0', '::/0'])] },
  "self.all(c, c.matches('^[0-9a-fA-F:.]+$'))": { violate: constant(['rt:65000:100']), passing: [constant(['65000:100', '192.0.2.1:5'])] },
  '!has(self.self) || !self.self || !has(self.address) || self.address.size() == 0': {
    violate: constant({ self: true, address: '10.0.0.1' }),
    passing: [constant({ self: true }), constant({ self: false, address: '10.0.0.1' }), constant({ self: true, address: '' })],
  },
  "self.action == 'deny' ? !has(self.set) : true": { violate: with_({ action: 'deny' }), passing: [without('set')] },
  'self.terms.all(t1, self.terms.filter(t2, t2.sequence == t1.sequence).size() == 1)': {
    violate: (v) => {
      const spec = structuredClone(v) as { terms: Node[] };
      spec.terms[1]!.sequence = spec.terms[0]!.sequence;
      return spec;
    },
    // terms is a list-map keyed by sequence, so its uniqueness check reports the repeat too, as kube's does.
    alsoReported: (path) => [`${path}.terms[1]: Duplicate value: map[string]interface {}{"sequence":10}`],
  },
  "self.value.matches('^([0-9]{1,9}[.][0-9]{1,9}[.][0-9]{1,9}[.][0-9]{1,9}|[0-9]{1,9}):[0-9]{1,9}$')": {
    violate: constant({ value: 'target:100' }),
    passing: [constant({ value: '192.0.2.1:100' }), constant({ value: '65000:1' })],
  },
  "self.routeDistinguisher.matches('^([0-9]{1,9}[.][0-9]{1,9}[.][0-9]{1,9}[.][0-9]{1,9}|[0-9]{1,9}):[0-9]{1,9}$')": {
    violate: with_({ routeDistinguisher: 'rd-100' }),
    passing: [with_({ routeDistinguisher: '65000:100' })],
  },
  'self.networks.all(n, isCIDR(n))': { violate: with_({ networks: ['10.0.0.0/8', '10.1.0.0'] }) },
  'self.addresses.all(a, isCIDR(a))': { violate: with_({ addresses: ['10.10.1.5'] }), passing: [with_({ addresses: ['10.10.1.5/32'] })] },
};

/** Every rule the reference CRDs declare, with the schema node that declares it. */
export function declaredRules() {
  return referenceSchemaNodes().flatMap((node) => (node.schema['x-kubernetes-validations'] ?? []).map((rule) => ({ node, rule })));
}
