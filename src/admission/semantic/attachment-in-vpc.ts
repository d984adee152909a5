// An attachment's interface addresses must lie inside a network of its VPC: the address
// and the subnet its prefix length claims. A VPC that does not exist (yet) is no error,
// since Kubernetes is eventually consistent; the agent reports it. On update only the
// addresses that are new are judged, so that a VPC changing later does not lock its
// existing attachments.
import { FieldPath, invalidValue } from '../../meta/field-errors.js';
import { goQuote } from '../../meta/go-format.js';
import { formatPrefix, maskedPrefix, parsePrefix, prefixContainsPrefix, type IPPrefix } from '../../net/ip.js';
import type { SemanticCheck } from './types.js';

const VPC = { group: 'vpc.miloapis.com', kind: 'VPC' };

interface AttachmentSpec {
  vpc?: { name?: unknown };
  interface?: { addresses?: unknown };
}

const specOf = (object: Record<string, unknown> | undefined) => (object?.spec ?? {}) as AttachmentSpec;
const stringsOf = (list: unknown): string[] => (Array.isArray(list) ? list.filter((s): s is string => typeof s === 'string') : []);

export const addressesInsideVpc: SemanticCheck = async ({ object, oldObject, lookup }) => {
  const spec = specOf(object);
  const vpcName = spec.vpc?.name;
  if (!lookup || typeof vpcName !== 'string') return [];
  const previously = new Set(stringsOf(specOf(oldObject).interface?.addresses));
  const addresses = Array.isArray(spec.interface?.addresses) ? (spec.interface.addresses as unknown[]) : [];
  const judged = addresses.map((text, i) => ({ text, i })).filter(({ text }) => typeof text === 'string' && !previously.has(text));
  if (judged.length === 0) return [];
  const vpc = await lookup(VPC, object.metadata.namespace, vpcName);
  if (!vpc) return [];
  const networks = stringsOf((vpc.spec as { networks?: unknown } | undefined)?.networks)
    .map(parsePrefix)
    .filter((p): p is IPPrefix => p !== undefined)
    .map(maskedPrefix);
  const listed = networks.map(formatPrefix).join(', ');
  return judged.flatMap(({ text, i }) => {
    const address = parsePrefix(text as string);
    if (!address || networks.some((network) => prefixContainsPrefix(network, address))) return [];
    const path = FieldPath.root('spec', 'interface', 'addresses').index(i);
    return [invalidValue(path, text, `is not inside any network of VPC ${goQuote(vpcName)} (${listed || 'it has none'})`)];
  });
};
