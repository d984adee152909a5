// A VPCAttachment holds the addresses it lists, under the owner "VPCAttachment/<name>".
// The registry commits the ops computed here in the same transaction as the attachment
// object itself, so the object and its reservations can never disagree: creating it takes
// its addresses, editing them moves the reservation, deleting it releases them.
//
// The ops bring the owner to what the attachment lists now, whatever it held before: an
// address listed and not yet held is taken (it may have been allocated first by the same
// owner through `allocate`, or predate IPAM), one listed before and no longer is released.
// Every op is guarded (create-if-absent, or the mod revision read here), so if anything
// changed between this read and the commit the transaction fails and the registry simply
// computes the ops again.
import { parseAddress, parsePrefix } from '../net/ip.js';
import { TxnFailedError, type Storage, type TxnOp } from '../../storage/interface.js';
import { duplicate, FieldPath, type FieldError } from '../meta/field-errors.js';
import { addressHeld, attachmentSubject, earlierVpc, invalid, vpcTerminating } from './errors.js';
import { addressKey, attachmentObjectKey, ownerKey, vpcObjectKey } from './keys.js';
import { readHolder, readOwner, releaseOps } from './owners.js';
import { encodeRecord, timestamp, type AddressRecord, type OwnerRecord } from './records.js';
import { addressOf, resolveAddress, vpcNetworks, type VpcObject, type WantedAddress } from './request.js';

export const attachmentOwner = (attachment: string): string => `VPCAttachment/${attachment}`;

const ADDRESSES_PATH = FieldPath.root('spec', 'interface', 'addresses');

const canonicalOf = (text: string): string | undefined => (parsePrefix(text)?.address ?? parseAddress(text))?.canonical;

async function readVpc(storage: Storage, namespace: string, vpc: string): Promise<VpcObject | null> {
  const kv = await storage.get(vpcObjectKey(namespace, vpc));
  return kv && (JSON.parse(new TextDecoder().decode(kv.value)) as VpcObject);
}

/**
 * The ops that make `VPCAttachment/<attachment>` hold exactly `newAddresses` of the VPC,
 * releasing those of `oldAddresses` no longer listed. `newAddresses` empty means the
 * attachment is being deleted: everything the owner holds is released. While the VPC does
 * not exist (yet), nothing can be taken and listed addresses stay unheld.
 *
 * Throws 422 for an address outside the VPC's networks or reserved, 409 for one held by
 * another owner, 403 when the VPC is being deleted and new addresses are listed.
 */
export async function attachmentOps(
  storage: Storage,
  namespace: string,
  attachment: string,
  vpcName: string,
  oldAddresses: readonly string[],
  newAddresses: readonly string[],
): Promise<TxnOp[]> {
  const owner = attachmentOwner(attachment);
  const subject = attachmentSubject(attachment);
  const [vpc, current] = await Promise.all([readVpc(storage, namespace, vpcName), readOwner(storage, namespace, vpcName, owner)]);
  const vpcUid = vpc?.metadata.uid;
  // Deleting is always possible: it releases whatever the owner holds.
  const stale = current?.record.vpcUid !== undefined && current.record.vpcUid !== vpcUid;
  if (vpc && stale && newAddresses.length > 0) throw earlierVpc(subject, vpcName, owner);
  const held = current?.record.addresses ?? [];
  const heldAddresses = new Set(held.map(addressOf));
  const listed = new Set(newAddresses.map(canonicalOf));
  const releasing =
    newAddresses.length === 0
      ? [...heldAddresses]
      : [...new Set(oldAddresses.map(canonicalOf))].filter((a): a is string => !!a && heldAddresses.has(a) && !listed.has(a));

  const claims = vpc ? resolveClaims(vpc, vpcName, newAddresses, heldAddresses) : { wanted: [], errors: [] };
  if (claims.errors.length) throw invalid(subject, claims.errors);
  if (claims.wanted.length && vpc?.metadata.deletionTimestamp) throw vpcTerminating(subject, vpcName);
  const holders = await Promise.all(claims.wanted.map((w) => readHolder(storage, namespace, vpcName, w.address)));
  const now = timestamp();
  const addressOps: TxnOp[] = [];
  claims.wanted.forEach((w, i) => {
    const holder = holders[i];
    if (holder && holder.owner !== owner) throw addressHeld(subject, w.field, w.address, holder.owner);
    if (holder) return;
    const value: AddressRecord = { owner, network: w.network.cidr, createdAt: now };
    addressOps.push({ type: 'create', key: addressKey(namespace, vpcName, w.address), value: encodeRecord(value) });
  });
  addressOps.push(...(await releaseOps(storage, namespace, vpcName, owner, releasing)));

  const gone = new Set(releasing);
  const addresses = [...held.filter((cidr) => !gone.has(addressOf(cidr))), ...claims.wanted.map((w) => w.network.cidrOf(w.address))];
  const key = ownerKey(namespace, vpcName, owner);
  if (addresses.length === 0) {
    return current ? [{ type: 'delete', key, expectedModRevision: current.modRevision }, ...addressOps] : addressOps;
  }
  const record: OwnerRecord = { owner, addresses, createdAt: current?.record.createdAt ?? now, attached: true, ...(vpcUid !== undefined && { vpcUid }) };
  // Unchanged, the owner key needs no write: the attachment object's own guard serializes
  // its writes, and release requests refuse an attached owner.
  if (current && current.record.attached && sameList(current.record.addresses, addresses)) return addressOps;
  const ownerOp: TxnOp = current
    ? { type: 'update', key, value: encodeRecord(record), expectedModRevision: current.modRevision }
    : { type: 'create', key, value: encodeRecord(record) };
  return [ownerOp, ...addressOps];
}

/**
 * The listed addresses not held yet, each checked against the VPC (held ones are not
 * judged again, so that a VPC changing later does not lock its existing attachments).
 */
function resolveClaims(vpc: VpcObject, vpcName: string, listed: readonly string[], held: Set<string>): { wanted: WantedAddress[]; errors: FieldError[] } {
  const networks = vpcNetworks(vpc);
  const wanted: WantedAddress[] = [];
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  listed.forEach((text, i) => {
    const canonical = canonicalOf(text);
    if (canonical && seen.has(canonical)) {
      errors.push(duplicate(ADDRESSES_PATH.index(i), text));
      return;
    }
    if (canonical) seen.add(canonical);
    if (canonical && held.has(canonical)) return;
    const resolved = resolveAddress(text, ADDRESSES_PATH.index(i), vpcName, networks);
    if ('address' in resolved) wanted.push(resolved);
    else errors.push(resolved);
  });
  return { wanted, errors };
}

/** Where an attachment's addresses stand once `holdAttachmentAddresses` has done its part. */
export type AttachmentHold = 'held' | 'vpc-missing' | 'gone';

interface StoredAttachment {
  spec?: { vpc?: { name?: string }; interface?: { addresses?: string[] } };
}

/**
 * Brings what `VPCAttachment/<attachment>` holds to what the stored attachment lists,
 * when its write could not (its VPC did not exist yet, or an address was held by someone
 * else then). The ops commit together with a rewrite of the object's unchanged bytes,
 * guarded by its mod revision, so that an attachment edited or deleted meanwhile is never
 * given addresses it no longer lists. Throws as `attachmentOps` does.
 */
export async function holdAttachmentAddresses(storage: Storage, namespace: string, attachment: string): Promise<AttachmentHold> {
  const owner = attachmentOwner(attachment);
  for (;;) {
    const object = await storage.get(attachmentObjectKey(namespace, attachment));
    if (!object) return 'gone';
    const spec = (JSON.parse(new TextDecoder().decode(object.value)) as StoredAttachment).spec;
    const vpcName = spec?.vpc?.name;
    const listed = spec?.interface?.addresses ?? [];
    if (!vpcName || listed.length === 0) return 'gone';
    const [vpc, current] = await Promise.all([readVpc(storage, namespace, vpcName), readOwner(storage, namespace, vpcName, owner)]);
    if (!vpc) return 'vpc-missing';
    const held = current?.record.addresses ?? [];
    const wanted = new Set(listed.map(canonicalOf));
    if (current?.record.attached && held.length === wanted.size && held.every((cidr) => wanted.has(addressOf(cidr)))) return 'held';
    const ops = await attachmentOps(storage, namespace, attachment, vpcName, held, listed);
    if (ops.length === 0) return 'held';
    const guard: TxnOp = { type: 'update', key: object.key, value: object.value, expectedModRevision: object.modRevision };
    try {
      await storage.txn([guard, ...ops]);
    } catch (err) {
      // The attachment or its addresses changed meanwhile: judge again.
      if (!(err instanceof TxnFailedError)) throw err;
    }
  }
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
