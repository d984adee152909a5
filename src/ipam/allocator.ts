// Allocation: give an owner addresses of its VPC, the same ones every time it asks.
//
// Each held address is a key created only if absent, in ONE transaction with the owner's
// key (which lists the owner's addresses and is guarded by its mod revision). So however
// many allocators race, in this process or in other apiservers, an address has at most one
// holder, an owner's key always lists exactly what it holds, and a crash leaves either the
// whole allocation or none of it. Free addresses are suggested by the watch-fed index
// (random picks, so that allocators elsewhere rarely suggest the same one); when the
// suggestion was taken meanwhile the transaction fails and another is tried.
import { TxnFailedError, type Storage, type TxnOp } from '../../storage/interface.js';
import type { AddressIndex, VpcAddresses } from './address-index.js';
import { allocationSubject, addressHeld, contended, earlierVpc, exhausted, invalid, vpcTerminating } from './errors.js';
import { addressKey, ownerKey, vpcId } from './keys.js';
import type { Family, Network } from './network.js';
import { readHolder, readOwner, type StoredOwner } from './owners.js';
import { encodeRecord, timestamp, type AddressRecord, type OwnerRecord } from './records.js';
import { addressOf, planAllocation, vpcNetworks, type AllocationSpec, type VpcObject } from './request.js';

export interface AllocateRequest extends AllocationSpec {
  namespace: string;
  vpc: VpcObject;
  /** Judge the request and choose addresses, but write nothing (`dryRun=All`). */
  dryRun?: boolean;
}

export interface AllocateResult {
  owner: string;
  /** Everything the owner holds in the VPC, in CIDR form with its network's prefix length. */
  addresses: string[];
  createdAt: string;
  /** False when the owner already held all it asked for (the API answers 200, not 201). */
  created: boolean;
}

/** An address about to be taken, and why: named by the request (with its field) or picked. */
interface Taking {
  address: string;
  network: Network;
  field?: string;
}

// Each failed attempt rules out the address it lost, so attempts make progress; this only
// bounds pathological contention.
const MAX_ATTEMPTS = 128;
// Random probes before walking the network in order: at 90 % full, 32 probes all miss with
// probability 0.9^32 ≈ 3 %, and the walk from a random point then ends within a few steps.
const RANDOM_PROBES = 32;

const NONE_IN_FLIGHT: ReadonlyMap<string, string> = new Map();

const familyOfAddress = (address: string): Family => (address.includes(':') ? 'IPv6' : 'IPv4');

export class Allocator {
  /**
   * Addresses this process is taking right now, or has taken but not yet seen come back
   * through the index, per VPC: concurrent requests here never pick the same one.
   */
  private readonly inFlight = new Map<string, Map<string, string>>();

  constructor(
    private readonly storage: Storage,
    private readonly index: AddressIndex,
  ) {}

  async allocate(req: AllocateRequest): Promise<AllocateResult> {
    const { namespace, owner } = req;
    const vpc = req.vpc.metadata.name ?? '';
    const subject = allocationSubject(vpc);
    const networks = vpcNetworks(req.vpc);
    const plan = planAllocation(req, vpc, networks);
    if (Array.isArray(plan)) throw invalid(subject, plan);
    const terminating = !!req.vpc.metadata.deletionTimestamp;
    await this.index.start();
    const id = vpcId(namespace, vpc);
    const lost = new Map<string, string>();
    let synced = false;
    // Most requests come from owners that hold nothing yet: the first attempt assumes so,
    // and the owner key is read only when that assumption fails, or when no transaction
    // would tell (a dry run, a VPC taking no new owners).
    const readFirst = terminating || req.dryRun;
    let current: StoredOwner | null | undefined = readFirst ? await readOwner(this.storage, namespace, vpc, owner) : undefined;

    const vpcUid = req.vpc.metadata.uid;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (current?.record.vpcUid !== undefined && current.record.vpcUid !== vpcUid) throw earlierVpc(subject, vpc, owner);
      const held = current?.record.addresses ?? [];
      const heldAddresses = new Set(held.map(addressOf));
      const named: Taking[] = plan.wanted.filter((w) => !heldAddresses.has(w.address));
      const covered = new Set([...heldAddresses].map(familyOfAddress).concat(named.map((w) => w.network.family)));
      const missing = plan.families.filter((f) => !covered.has(f));
      if (current && named.length === 0 && missing.length === 0) {
        return { owner, addresses: held, createdAt: current.record.createdAt, created: false };
      }
      if (terminating) throw vpcTerminating(subject, vpc);

      const taking = [...named];
      for (const family of missing) {
        const picked = this.pick(id, networks.filter((n) => n.family === family), lost, taking);
        if (picked) {
          taking.push(picked);
          continue;
        }
        if (synced) {
          const field = req.families?.length ? `spec.families[${req.families.indexOf(family)}]` : 'spec.families';
          throw exhausted(vpc, field, family, this.describeUse(id, networks.filter((n) => n.family === family)));
        }
        // Full by a possibly stale index: look again once it has caught up with storage.
        break;
      }
      if (taking.length < named.length + missing.length) {
        await this.index.sync();
        synced = true;
        continue;
      }

      const now = timestamp();
      const record: OwnerRecord = {
        ...current?.record,
        owner,
        addresses: [...held, ...taking.map((t) => t.network.cidrOf(t.address))],
        createdAt: current?.record.createdAt ?? now,
        ...(vpcUid !== undefined && { vpcUid }),
      };
      const ownerOp: TxnOp = current
        ? { type: 'update', key: ownerKey(namespace, vpc, owner), value: encodeRecord(record), expectedModRevision: current.modRevision }
        : { type: 'create', key: ownerKey(namespace, vpc, owner), value: encodeRecord(record) };
      const addressOps = taking.map((t): TxnOp => {
        const value: AddressRecord = { owner, network: t.network.cidr, createdAt: now };
        return { type: 'create', key: addressKey(namespace, vpc, t.address), value: encodeRecord(value) };
      });

      if (req.dryRun) return { owner, addresses: record.addresses, createdAt: record.createdAt, created: true };
      this.markInFlight(id, taking);
      try {
        const { revision } = await this.storage.txn([ownerOp, ...addressOps]);
        void this.index.seen(revision).then(() => this.clearInFlight(id, taking));
        return { owner, addresses: record.addresses, createdAt: record.createdAt, created: true };
      } catch (err) {
        this.clearInFlight(id, taking);
        if (!(err instanceof TxnFailedError)) throw err;
        const failed = taking[err.opIndex - 1];
        if (failed && !failed.field) {
          // Someone else took the address we picked: pick another.
          lost.set(failed.address, failed.network.cidr);
          continue;
        }
        if (failed?.field) {
          const holder = await readHolder(this.storage, namespace, vpc, failed.address);
          if (holder && holder.owner !== owner) throw addressHeld(subject, failed.field, failed.address, holder.owner);
        }
        // The owner changed meanwhile (its own concurrent request): judge again from what it holds now.
        current = await readOwner(this.storage, namespace, vpc, owner);
      }
    }
    throw contended(vpc, MAX_ATTEMPTS);
  }

  /**
   * A free address in the first of `networks` that has one, avoiding what the index says
   * is held, what this process is taking, what this request lost races for, and what it
   * is about to take.
   */
  private pick(id: string, networks: Network[], lost: Map<string, string>, taking: Taking[]): Taking | undefined {
    const held = this.index.of(id);
    const inFlight = this.inFlight.get(id) ?? NONE_IN_FLIGHT;
    const taken = (address: string) =>
      held.holder(address) !== undefined || inFlight.has(address) || lost.has(address) || taking.some((t) => t.address === address);
    // More than the index knows may be taken: an upper bound on how many.
    const unseenAtMost = inFlight.size + lost.size + taking.length;
    for (const network of networks) {
      const size = network.size;
      if (size === 0n || !this.hasRoom(network, held, unseenAtMost, [inFlight, lost, taking.map((t) => [t.address, t.network.cidr] as const)])) continue;
      for (let probe = 0; probe < RANDOM_PROBES; probe++) {
        const address = network.addressAt(network.randomOffset());
        if (!taken(address)) return { address, network };
      }
      // Among any k+1 consecutive addresses at least one is free when at most k are taken
      // in the whole VPC, so the walk is bounded by what is held, not by the network's size.
      const bound = BigInt(held.size + unseenAtMost + 1);
      const steps = bound < size ? bound : size;
      const start = network.randomOffset() - network.first;
      for (let step = 0n; step < steps; step++) {
        const address = network.addressAt(network.first + ((start + step) % size));
        if (!taken(address)) return { address, network };
      }
    }
    return undefined;
  }

  /**
   * Whether `network` has an address that is neither held nor about to be. Cheap when there
   * is plenty of room; counts exactly only near full, where the bound is not enough.
   */
  private hasRoom(network: Network, held: VpcAddresses, unseenAtMost: number, unseen: Iterable<readonly [string, string]>[]): boolean {
    const knownHeld = BigInt(held.countIn(network.cidr));
    if (knownHeld + BigInt(unseenAtMost) < network.size) return true;
    const extra = new Set<string>();
    for (const entries of unseen) {
      for (const [address, cidr] of entries) if (cidr === network.cidr && !held.holder(address)) extra.add(address);
    }
    return knownHeld + BigInt(extra.size) < network.size;
  }

  private describeUse(id: string, networks: Network[]): string {
    const held = this.index.of(id);
    return networks.map((n) => `${n.cidr}: ${held.countIn(n.cidr)} of ${n.size} addresses held`).join(', ');
  }

  private markInFlight(id: string, taking: Taking[]): void {
    let addresses = this.inFlight.get(id);
    if (!addresses) this.inFlight.set(id, (addresses = new Map()));
    for (const t of taking) addresses.set(t.address, t.network.cidr);
  }

  private clearInFlight(id: string, taking: Taking[]): void {
    const addresses = this.inFlight.get(id);
    if (!addresses) return;
    for (const t of taking) addresses.delete(t.address);
    if (addresses.size === 0) this.inFlight.delete(id);
  }
}
