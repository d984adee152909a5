// Which semantic checks each kind has: data, looked up by group and kind, so the
// admission pipeline itself never names a kind.
import { addressesInsideVpc } from './attachment-in-vpc.js';
import { immutableAfterCreate } from './immutable-field.js';
import type { SemanticCheck, SemanticChecks } from './types.js';
import { canonicalNetworks, disjointNetworks, removedNetworksHoldNothing } from './vpc-networks.js';

export const SEMANTIC_CHECKS: readonly SemanticChecks[] = [
  { group: 'bgp.miloapis.com', kind: 'BGPRouter', checks: [immutableAfterCreate('spec', 'targetRef')] },
  { group: 'vpc.miloapis.com', kind: 'VPC', checks: [canonicalNetworks, disjointNetworks, removedNetworksHoldNothing] },
  { group: 'vpc.miloapis.com', kind: 'VPCAttachment', checks: [immutableAfterCreate('spec', 'vpc'), addressesInsideVpc] },
];

export function semanticChecksFor(kind: { group: string; kind: string }): SemanticCheck[] {
  return SEMANTIC_CHECKS.filter((entry) => entry.group === kind.group && entry.kind === kind.kind).flatMap((entry) => entry.checks);
}
