// What a VPC's status says, computed from what IPAM holds for it: its identifier (the
// VNI), per network how many addresses are held and how many are still free, and the
// conditions Ready and AddressesAvailable.
import type { KubeObject } from '../../api/object.js';
import type { VpcUsage } from '../ipam.js';
import { Network, type Family } from '../network.js';
import { withTransitionTimes, type Condition, type DesiredCondition } from './conditions.js';

/** What is known of the VPC beyond the object. */
export interface VpcFacts {
  vni: number | null;
  usage: VpcUsage;
  /** While it is being deleted: what its deletion still waits for. */
  waitingFor?: { owners: number; attachments: number };
}

// Counts are integers on the wire; an IPv6 network has more free addresses than a JSON
// number holds exactly, so a count beyond 2^53-1 is shown as 2^53-1 (the schema says so).
const countOnWire = (n: bigint): number => (n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n));

function readyCondition(vpc: KubeObject, facts: VpcFacts): DesiredCondition {
  const generation = vpc.metadata.generation;
  if (facts.waitingFor) {
    const { owners, attachments } = facts.waitingFor;
    return {
      type: 'Ready',
      status: 'False',
      reason: 'Deleting',
      message: `the VPC is being deleted; waiting for ${owners} address owner(s) and ${attachments} attachment(s) to release their addresses`,
      observedGeneration: generation,
    };
  }
  if (facts.vni === null) {
    return { type: 'Ready', status: 'False', reason: 'IdentifierPending', message: 'no identifier has been assigned yet', observedGeneration: generation };
  }
  return { type: 'Ready', status: 'True', reason: 'IdentifierAssigned', message: `identifier (VNI) ${facts.vni} assigned`, observedGeneration: generation };
}

function addressesCondition(vpc: KubeObject, usage: VpcUsage): DesiredCondition {
  const byFamily = new Map<Family, { free: bigint; networks: string[] }>();
  for (const n of usage.networks) {
    const family = Network.parse(n.network)!.family;
    const entry = byFamily.get(family) ?? { free: 0n, networks: [] };
    entry.free += n.available;
    entry.networks.push(`${n.network}: ${n.allocated} held`);
    byFamily.set(family, entry);
  }
  const full = [...byFamily].filter(([, e]) => e.free === 0n);
  const generation = vpc.metadata.generation;
  if (full.length === 0) {
    return { type: 'AddressesAvailable', status: 'True', reason: 'AddressesFree', message: 'every address family of the VPC has free addresses', observedGeneration: generation };
  }
  const message = full.map(([family, e]) => `no free ${family} address is left (${e.networks.join(', ')})`).join('; ');
  return { type: 'AddressesAvailable', status: 'False', reason: 'Exhausted', message, observedGeneration: generation };
}

/** The status the VPC should show, keeping the transition times of `current` where nothing changed. */
export function vpcStatus(vpc: KubeObject, facts: VpcFacts, current: Record<string, unknown> | undefined): Record<string, unknown> {
  const ready = readyCondition(vpc, facts);
  const conditions = withTransitionTimes([ready, addressesCondition(vpc, facts.usage)], current?.conditions as Condition[] | undefined);
  return {
    ready: ready.status === 'True',
    ...(facts.vni !== null && { identifier: String(facts.vni) }),
    ...(vpc.metadata.generation !== undefined && { observedGeneration: vpc.metadata.generation }),
    networks: facts.usage.networks.map((n) => ({ network: n.network, allocated: n.allocated, available: countOnWire(n.available) })),
    conditions,
  };
}
