// What an allocation or attachment asks for, checked against the VPC's networks before
// anything is written: every refusal here is a 422 naming the field.
import { parseAddress, parsePrefix, type IPAddress } from '../net/ip.js';
import type { VPC } from '../api/types.generated.js';
import { duplicate, FieldPath, forbidden, invalidValue, notSupported, required, type FieldError } from '../meta/field-errors.js';
import { goQuote } from '../meta/go-format.js';
import { FAMILIES, Network, type Family } from './network.js';

/** The parts of a VPC object IPAM reads. */
export type VpcObject = Pick<VPC, 'metadata' | 'spec'>;

/** One address asked for by name. */
export interface WantedAddress {
  /** Canonical text: the storage key. */
  address: string;
  network: Network;
  family: Family;
  /** The field that asked for it and what it said, for errors. */
  field: string;
  written: string;
}

// Owners name the object that holds the addresses, "<Kind>/<name>": a kind as Kubernetes
// spells them (optionally group-qualified) and a DNS subdomain name.
const OWNER_PATTERN = /^[A-Za-z][A-Za-z0-9.-]{0,62}\/[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function ownerErrors(owner: unknown, path: FieldPath): FieldError[] {
  if (owner === undefined || owner === '') return [required(path)];
  if (typeof owner !== 'string' || !OWNER_PATTERN.test(owner)) {
    return [invalidValue(path, owner, 'must be <Kind>/<name>, e.g. "VirtualMachine/web-1"')];
  }
  return [];
}

/** The VPC's networks, in spec order (admission guarantees they parse and are disjoint). */
export function vpcNetworks(vpc: VpcObject): Network[] {
  return (vpc.spec?.networks ?? []).map(Network.parse).filter((n): n is Network => n !== undefined);
}

function networkList(networks: readonly Network[]): string {
  return networks.map((n) => n.cidr).join(', ') || 'it has none';
}

/**
 * Resolves an address as written ("10.20.0.9" or "10.20.0.9/24") to the network of the VPC
 * that holds it, or says why it cannot be handed out.
 */
export function resolveAddress(text: unknown, path: FieldPath, vpcName: string, networks: readonly Network[]): WantedAddress | FieldError {
  const prefix = typeof text === 'string' ? parsePrefix(text) : undefined;
  const address: IPAddress | undefined = prefix?.address ?? (typeof text === 'string' ? parseAddress(text) : undefined);
  if (!address) return invalidValue(path, text, 'must be an IP address, e.g. "10.20.0.9", or one in CIDR form, e.g. "10.20.0.9/24"');
  const network = networks.find((n) => n.contains(address));
  if (!network) return invalidValue(path, text, `is not inside any network of VPC ${goQuote(vpcName)} (${networkList(networks)})`);
  if (prefix && prefix.bits < network.bits) {
    return invalidValue(path, text, `prefix length ${prefix.bits} is shorter than that of its network ${network.cidr}`);
  }
  const role = network.reservedRole(address);
  if (role) return invalidValue(path, text, `is ${role} of ${network.cidr}, which is never handed out`);
  return { address: address.canonical, network, family: network.family, field: String(path), written: text as string };
}

/** Resolves a list of addresses, refusing any that names the same address twice. */
function resolveAddresses(
  texts: readonly unknown[],
  path: FieldPath,
  vpcName: string,
  networks: readonly Network[],
): { wanted: WantedAddress[]; errors: FieldError[] } {
  const wanted: WantedAddress[] = [];
  const errors: FieldError[] = [];
  texts.forEach((text, i) => {
    const resolved = resolveAddress(text, path.index(i), vpcName, networks);
    if (!('address' in resolved)) errors.push(resolved);
    else if (wanted.some((w) => w.address === resolved.address)) errors.push(duplicate(path.index(i), text));
    else wanted.push(resolved);
  });
  return { wanted, errors };
}

export interface AllocationSpec {
  owner: string;
  families?: readonly string[];
  addresses?: readonly string[];
}

export interface AllocationPlan {
  /** Every family the owner must hold an address of. */
  families: Family[];
  /** The addresses asked for by name. */
  wanted: WantedAddress[];
}

/**
 * Checks an allocation request against the VPC. Families default to those of the named
 * addresses when some are named (as a Service's ipFamilies follow its clusterIPs), and to
 * every family the VPC has otherwise.
 */
export function planAllocation(spec: AllocationSpec, vpcName: string, networks: readonly Network[]): AllocationPlan | FieldError[] {
  const specPath = FieldPath.root('spec');
  const errors = ownerErrors(spec.owner, specPath.child('owner'));
  const vpcFamilies = FAMILIES.filter((f) => networks.some((n) => n.family === f));
  if (vpcFamilies.length === 0) errors.push(forbidden(specPath, `VPC ${goQuote(vpcName)} has no network to allocate from`));
  const families: Family[] = [];
  (spec.families ?? []).forEach((value, i) => {
    const path = specPath.child('families').index(i);
    if (!FAMILIES.includes(value as Family)) errors.push(notSupported(path, value, FAMILIES));
    else if (families.includes(value as Family)) errors.push(duplicate(path, value));
    else if (!vpcFamilies.includes(value as Family)) errors.push(invalidValue(path, value, `VPC ${goQuote(vpcName)} has no ${value} network`));
    else families.push(value as Family);
  });
  const addressesPath = specPath.child('addresses');
  const { wanted, errors: addressErrors } = resolveAddresses(spec.addresses ?? [], addressesPath, vpcName, networks);
  errors.push(...addressErrors);
  if (spec.families?.length) {
    for (const w of wanted) {
      if (!families.includes(w.family)) errors.push(invalidValue(w.field, w.written, `is an ${w.family} address, but spec.families does not include ${w.family}`));
    }
  }
  if (errors.length) return errors;
  const named = wanted.map((w) => w.family);
  const defaults = wanted.length ? FAMILIES.filter((f) => named.includes(f)) : vpcFamilies;
  return { families: spec.families?.length ? families : defaults, wanted };
}

/** The canonical address of a stored CIDR ("10.20.0.9/24" → "10.20.0.9"). */
export function addressOf(cidr: string): string {
  return cidr.slice(0, cidr.lastIndexOf('/'));
}
