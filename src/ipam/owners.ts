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

/** Every owner record of the VPC, ordered by owner, read at one revision. */
async function listOwners(storage: Storage, namespace: string, vpc: string): Promise<OwnerRecord[]> {
  const owners: OwnerRecord[] = [];
  let revision = 0;
  let startKey: string | undefined;
  for (;;) {
    const page = await storage.list(ownersPrefix(namespace, vpc), { revision, limit: PAGE_SIZE, startKey });
    revision = page.revision;
    for (const kv of page.items) owners.push(decodeRecord<OwnerRecord>(kv));
    if (!page.more || page.items.length === 0) return owners;
    startKey = page.items[page.items.length - 1]!.key + '\0';
  }
}

/** Every allocation in the VPC, ordered by owner. */
export async function listAllocations(storage: Storage, namespace: string, vpc: string): Promise<Allocation[]> {
  return (await listOwners(storage, namespace, vpc)).map(allocationOf);
}

/** How many owners hold addresses in the VPC (what its finalizer waits to see reach 0). */
export async function countOwners(storage: Storage, namespace: string, vpc: string): Promise<number> {
  const page = await storage.list(ownersPrefix(namespace, vpc), { limit: 1 });
  return page.items.length + page.remaining;
}

/**
 * Releases everything `owner` holds in the VPC, in one transaction with the removal of
 * its owner key. Returns what was released; null when it held nothing (or nothing `only`
 * accepts). An attachment's addresses are released only `evenAttached` (its VPC is gone).
 */
export async function releaseOwner(
  storage: Storage,
  namespace: string,
  vpc: string,
  owner: string,
  { evenAttached = false, only = () => true }: { evenAttached?: boolean; only?: (record: OwnerRecord) => boolean } = {},
): Promise<Allocation | null> {
  for (;;) {
    const current = await readOwner(storage, namespace, vpc, owner);
    if (!current || !only(current.record)) return null;
    if (current.record.attached && !evenAttached) throw heldByAttachment(vpc, owner);
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

/**
 * Releases what is still held of VPCs of this name that are gone: by owners whose record
 * names another VPC uid than `liveUid()` (the VPC of the name now, if any). Owners are
 * listed before the live VPC is read, so an owner of a VPC created meanwhile is either
 * not listed or recognized as live. What an allocation that raced a VPC's deletion left
 * behind goes this way.
 */
export async function releaseStale(storage: Storage, namespace: string, vpc: string, liveUid: () => Promise<string | undefined>): Promise<void> {
  const owners = await listOwners(storage, namespace, vpc);
  if (owners.length === 0) return;
  const live = await liveUid();
  // A record without a uid predates them: stale only when no VPC of the name exists.
  const stale = owners.filter((o) => (o.vpcUid === undefined ? live === undefined : o.vpcUid !== live));
  for (const { owner, vpcUid } of stale) {
    // Released meanwhile and taken again for the live VPC: not stale any more.
    await releaseOwner(storage, namespace, vpc, owner, { evenAttached: true, only: (record) => record.vpcUid === vpcUid });
  }
}
