// IP address management for VPCs, over the storage interface: what the apiserver holds
// one of. See allocator.ts for how allocations stay unique, attachment-ops.ts for how
// VPCAttachments hold their addresses, vni.ts for the VPC identifier, keys.ts for the
// storage layout; write-hooks.ts for what the registry commits with VPC and attachment
// writes, controllers/ for the status and finalizer the server keeps, and
// src/server/subresources/allocate.ts for the API.
import type { Storage, TxnOp } from '../../storage/interface.js';
import { AddressIndex } from './address-index.js';
import { Allocator, type AllocateRequest, type AllocateResult } from './allocator.js';
import { attachmentOps, holdAttachmentAddresses, type AttachmentHold } from './attachment-ops.js';
import { vpcId } from './keys.js';
import { Network } from './network.js';
import { allocationOf, countOwners, listAllocations, readOwner, releaseOwner, releaseStale, type Allocation } from './owners.js';
import { vpcNetworks, type VpcObject } from './request.js';
import { assignVni, readVni, releaseVni, vniClaim, vniReleaseOps, type VniClaim } from './vni.js';

export type { AllocateRequest, AllocateResult } from './allocator.js';
export type { Allocation } from './owners.js';
export type { VpcObject } from './request.js';
export { attachmentOwner, type AttachmentHold } from './attachment-ops.js';
export type { VniClaim } from './vni.js';

export interface OwnerRef {
  namespace: string;
  /** The VPC's name. */
  vpc: string;
  owner: string;
}

export interface NetworkUsage {
  network: string;
  allocated: number;
  /** Addresses still free; a bigint because an IPv6 network has more than 2^63. */
  available: bigint;
}

export interface VpcUsage {
  networks: NetworkUsage[];
  /**
   * Addresses held in networks the VPC no longer lists. Admission refuses to remove a
   * network that holds addresses, so this is 0 unless an allocation raced that check.
   */
  outsideNetworks: number;
}

export class Ipam {
  private readonly index: AddressIndex;
  private readonly allocator: Allocator;

  /** `onError` hears of storage watch failures the index recovers from by relisting. */
  constructor(
    private readonly storage: Storage,
    options: { onError?: (err: Error) => void } = {},
  ) {
    this.index = new AddressIndex(storage, options.onError);
    this.allocator = new Allocator(storage, this.index);
  }

  /** Loads the index of held addresses (allocation waits for it anyway). */
  start(): Promise<void> {
    return this.index.start();
  }

  close(): void {
    this.index.close();
  }

  /** Gives the owner addresses of the VPC; asking again answers the same ones. */
  allocate(req: AllocateRequest): Promise<AllocateResult> {
    return this.allocator.allocate(req);
  }

  /** What the owner holds in the VPC; null when nothing. */
  async allocation({ namespace, vpc, owner }: OwnerRef): Promise<Allocation | null> {
    const stored = await readOwner(this.storage, namespace, vpc, owner);
    return stored && allocationOf(stored.record);
  }

  /** Releases everything the owner holds in the VPC; null when it held nothing. */
  release({ namespace, vpc, owner }: OwnerRef): Promise<Allocation | null> {
    return releaseOwner(this.storage, namespace, vpc, owner);
  }

  /** Every allocation in the VPC, read from storage, ordered by owner. */
  list({ namespace, vpc }: { namespace: string; vpc: string }): Promise<Allocation[]> {
    return listAllocations(this.storage, namespace, vpc);
  }

  /**
   * Releases what owners still hold of earlier VPCs of this name (see owners.ts);
   * `liveUid` reads the uid of the VPC of the name now.
   */
  releaseStale(namespace: string, vpc: string, liveUid: () => Promise<string | undefined>): Promise<void> {
    return releaseStale(this.storage, namespace, vpc, liveUid);
  }

  /**
   * Calls `listener` whenever the addresses held in a VPC change (a little after the
   * commit: the index hears of it through its watch). Returns the unsubscribe.
   */
  onAddressesChanged(listener: (namespace: string, vpc: string) => void): () => void {
    return this.index.onChange((id) => {
      const slash = id.indexOf('/');
      listener(id.slice(0, slash), id.slice(slash + 1));
    });
  }

  /** How many owners hold addresses in the VPC: its finalizer waits for 0. */
  ownerCount(namespace: string, vpc: string): Promise<number> {
    return countOwners(this.storage, namespace, vpc);
  }

  /** Per network of the VPC: addresses held and still free (current as of the call). */
  async usage(namespace: string, vpc: VpcObject): Promise<VpcUsage> {
    await this.index.sync();
    const held = this.index.of(vpcId(namespace, vpc.metadata.name ?? ''));
    const networks = vpcNetworks(vpc).map((n) => {
      const allocated = held.countIn(n.cidr);
      const available = n.size - BigInt(allocated);
      return { network: n.cidr, allocated, available: available > 0n ? available : 0n };
    });
    return { networks, outsideNetworks: held.size - networks.reduce((sum, n) => sum + n.allocated, 0) };
  }

  /**
   * How many addresses each of `networks` (as written) holds in the VPC, current as of the
   * call: admission refuses to remove a network whose count is not 0.
   */
  async allocationsInNetworks(namespace: string, vpc: string, networks: readonly string[]): Promise<Map<string, number>> {
    await this.index.sync();
    const held = this.index.of(vpcId(namespace, vpc));
    return new Map(networks.map((text) => [text, held.countIn(Network.parse(text)?.cidr ?? text)]));
  }

  /** The ops to commit with a VPCAttachment write; see attachment-ops.ts. */
  attachmentOps(namespace: string, attachment: string, vpc: string, oldAddresses: readonly string[], newAddresses: readonly string[]): Promise<TxnOp[]> {
    return attachmentOps(this.storage, namespace, attachment, vpc, oldAddresses, newAddresses);
  }

  /**
   * Makes the attachment hold what it lists when its own write could not (see
   * attachment-ops.ts); throws 409, 422 or 403 as an attachment write would.
   */
  holdAttachmentAddresses(namespace: string, attachment: string): Promise<AttachmentHold> {
    return holdAttachmentAddresses(this.storage, namespace, attachment);
  }

  /** The ops that give a new VPC its identifier, for the transaction that creates it. */
  vniClaim(namespace: string, vpc: string, uid: string): Promise<VniClaim> {
    return vniClaim(this.storage, namespace, vpc, uid);
  }

  /** The ops that free a VPC's identifier, for the transaction that finally deletes it. */
  vniReleaseOps(namespace: string, vpc: string, uid: string): Promise<TxnOp[]> {
    return vniReleaseOps(this.storage, namespace, vpc, uid);
  }

  /** The VPC's identifier, or null when it has none. */
  vni(namespace: string, vpc: string, uid: string): Promise<number | null> {
    return readVni(this.storage, namespace, vpc, uid);
  }

  /** The VPC's identifier, a VNI unique across the installation; the same on every call. */
  assignVni(namespace: string, vpc: string, uid: string): Promise<number> {
    return assignVni(this.storage, namespace, vpc, uid);
  }

  /** Frees the VPC's identifier once the VPC is finally deleted. */
  releaseVni(namespace: string, vpc: string): Promise<number | null> {
    return releaseVni(this.storage, namespace, vpc);
  }
}
