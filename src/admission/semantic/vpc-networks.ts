// A VPC's networks must be written as networks: canonical text with no host bits set
// (the CRD's isCIDR() rule accepts "10.0.0.1/24", which names an address, not a network),
// no two may overlap, since an address must belong to exactly one of them, and none may
// be removed while addresses are still allocated from it.
import { duplicate, FieldPath, forbidden, invalidValue, type FieldError } from '../../meta/field-errors.js';
import { goQuote } from '../../meta/go-format.js';
import { formatPrefix, maskedPrefix, parsePrefix, prefixesOverlap, type IPPrefix } from '../../net/ip.js';
import type { SemanticCheck } from './types.js';

interface Network {
  path: FieldPath;
  text: string;
  prefix: IPPrefix;
}

/** The networks that parse; the CEL rule already reports the others. */
function networksOf(object: Record<string, unknown>): Network[] {
  const spec = object.spec as { networks?: unknown } | undefined;
  const networks = Array.isArray(spec?.networks) ? spec.networks : [];
  return networks.flatMap((text, i) => {
    const prefix = typeof text === 'string' ? parsePrefix(text) : undefined;
    return prefix ? [{ path: FieldPath.root('spec', 'networks').index(i), text: text as string, prefix }] : [];
  });
}

export const canonicalNetworks: SemanticCheck = ({ object }) =>
  networksOf(object).flatMap(({ path, text, prefix }): FieldError[] => {
    const network = formatPrefix(maskedPrefix(prefix));
    if (network !== formatPrefix(prefix)) return [invalidValue(path, text, `host bits are set: the network is ${goQuote(network)}`)];
    if (network !== text) return [invalidValue(path, text, `must be written in canonical form ${goQuote(network)}`)];
    return [];
  });

export const disjointNetworks: SemanticCheck = ({ object }) => {
  const networks = networksOf(object).map((n) => ({ ...n, prefix: maskedPrefix(n.prefix) }));
  const errors: FieldError[] = [];
  networks.forEach((network, i) => {
    const earlier = networks.slice(0, i).find((other) => prefixesOverlap(other.prefix, network.prefix));
    if (!earlier) return;
    if (formatPrefix(earlier.prefix) === formatPrefix(network.prefix)) {
      errors.push(duplicate(network.path, network.text));
    } else {
      errors.push(invalidValue(network.path, network.text, `overlaps ${earlier.path} (${goQuote(earlier.text)})`));
    }
  });
  return errors;
};

/**
 * On update, a network that is no longer listed must hold no allocation: its addresses
 * would belong to no network of the VPC. Shrinking a network counts as removing it.
 */
export const removedNetworksHoldNothing: SemanticCheck = async ({ operation, object, oldObject, networkAllocations }) => {
  if (operation !== 'UPDATE' || !oldObject || !networkAllocations) return [];
  const kept = new Set(networksOf(object).map((n) => formatPrefix(maskedPrefix(n.prefix))));
  const removed = networksOf(oldObject).filter((n) => !kept.has(formatPrefix(maskedPrefix(n.prefix))));
  if (removed.length === 0) return [];
  const counts = await networkAllocations(object.metadata.namespace ?? '', object.metadata.name ?? '', removed.map((n) => n.text));
  const path = FieldPath.root('spec', 'networks');
  return removed.flatMap(({ text }): FieldError[] => {
    const held = counts.get(text) ?? 0;
    if (held === 0) return [];
    return [forbidden(path, `network ${goQuote(text)} cannot be removed: ${held} address${held === 1 ? ' is' : 'es are'} still allocated from it; release ${held === 1 ? 'it' : 'them'} first`)];
  });
};
