// Reading and releasing what owners hold, straight from storage (these are the reads whose
// answer must be current: a list shown to a user, a release, a finalizer's check).
import { TxnFailedError, type Storage, type TxnOp } from '../../storage/interface.js';
import { heldByAttachment } from './errors.js';
import { addressKey, ownerKey, ownersPrefix } from './keys.js';
import { decodeRecord, type AddressRecord, type OwnerRecord } from './records.js';
import { addressOf } from './request.js';

/** What one owner holds in one VPC. */
export interface Allocation {
  owner: string;
  /** CIDR form, with the prefix length of the containing network. */
  addresses: string[];
  createdAt: string;
}

export interface StoredOwner {
  record: OwnerRecord;
  modRevision: number;
}

const PAGE_SIZE = 1000;

export const allocationOf = ({ owner, addresses, createdAt }: OwnerRecord): Allocation => ({ owner, addresses, createdAt });

export async function readOwner(storage: Storage, namespace: string, vpc: string, owner: string): Promise<StoredOwner | null> {
  const kv = await storage.get(ownerKey(namespace, vpc, owner));
  return kv && { record: decodeRecord<OwnerRecord>(kv), modRevision: kv.modRevision };
}

export async function readHolder(
  storage: Storage,
  namespace: string,
  vpc: string,
  address: string,
): Promise<(AddressRecord & { modRevision: number }) | null> {
  const kv = await storage.get(addressKey(namespace, vpc, address));
  return kv && { ...decodeRecord<AddressRecord>(kv), modRevision: kv.modRevision };
}

/** Deletes of the address keys `owner` really holds among `addresses` (canonical), each guarded. */
export async function releaseOps(storage: Storage, namespace: string, vpc: string, owner: string, addresses: readonly string[]): Promise<TxnOp[]> {
  const holders = await Promise.all(addresses.map((address) => readHolder(storage, namespace, vpc, address)));
  return addresses.flatMap((address, i): TxnOp[] => {
    const holder = holders[i];
    return holder?.owner === owner ? [{ type: 'delete', key: addressKey(namespace, vpc, address), expectedModRevision: holder.modRevision }] : [];
  });
}

/** Every allocation in the VPC, ordered by owner. */
export async function listAllocations(storage: Storage, namespace: string, vpc: string): Promise<Allocation[]> {
  const allocations: Allocation[] = [];
  let revision = 0;
  let startKey: string | undefined;
  for (;;) {
    const page = await storage.list(ownersPrefix(namespace, vpc), { revision, limit: PAGE_SIZE, startKey });
    revision = page.revision;
    for (const kv of page.items) allocations.push(allocationOf(decodeRecord<OwnerRecord>(kv)));
    if (!page.more || page.items.length === 0) return allocations;
    startKey = page.items[page.items.length - 1]!.key + '\0';
  }
}

/** How many owners hold addresses in the VPC (what its finalizer waits to see reach 0). */
export async function countOwners(storage: Storage, namespace: string, vpc: string): Promise<number> {
  const page = await storage.list(ownersPrefix(namespace, vpc), { limit: 1 });
  return page.items.length + page.remaining;
}

/**
 * Releases everything `owner` holds in the VPC, in one transaction with the removal of
 * its owner key. Returns what was released; null when it held nothing.
 */
export async function releaseOwner(storage: Storage, namespace: string, vpc: string, owner: string): Promise<Allocation | null> {
  for (;;) {
    const current = await readOwner(storage, namespace, vpc, owner);
    if (!current) return null;
    if (current.record.attached) throw heldByAttachment(vpc, owner);
    const addresses = await releaseOps(storage, namespace, vpc, owner, current.record.addresses.map(addressOf));
    try {
      await storage.txn([{ type: 'delete', key: ownerKey(namespace, vpc, owner), expectedModRevision: current.modRevision }, ...addresses]);
      return allocationOf(current.record);
    } catch (err) {
      // The owner changed meanwhile (a concurrent allocation or release): judge again.
      if (!(err instanceof TxnFailedError)) throw err;
    }
  }
}
