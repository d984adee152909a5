// The VPC identifier: a 24-bit VXLAN network identifier (VNI) unique across the whole
// installation, since the data plane tells VPCs apart by it on the wire. Each VNI in use
// is a key created only if absent, so two VPCs can never share one, whichever apiserver
// assigns them. The first candidate comes from a hash of the VPC's uid (stable, and
// spread evenly, so collisions are rare); a taken candidate moves on to the next. The
// registry claims a VPC's VNI in the transaction that creates the VPC and frees it in the
// one that finally deletes it (see write-hooks.ts).
import { createHash } from 'node:crypto';
import { TxnFailedError, type Storage, type TxnOp } from '../../storage/interface.js';
import * as errors from '../meta/status.js';
import { vniKey, vpcVniKey } from './keys.js';
import { decodeRecord, encodeRecord, type VniRecord, type VpcVniRecord } from './records.js';

// 0 and 2^24-1 are left out: VNI 0 is refused or special-cased by much VXLAN software.
export const VNI_MIN = 1;
export const VNI_MAX = 0xfffffe;
const VNI_COUNT = VNI_MAX - VNI_MIN + 1;

// Enough to step over any plausible run of taken VNIs: with even thousands of VPCs in 16
// million identifiers, a run of even 10 is vanishingly rare.
const MAX_PROBES = 4096;

/** Where the search for a VPC's VNI starts. */
export function firstVniCandidate(uid: string): number {
  return VNI_MIN + (createHash('sha256').update(uid).digest().readUIntBE(0, 4) % VNI_COUNT);
}

const nextCandidate = (vni: number): number => (vni === VNI_MAX ? VNI_MIN : vni + 1);

/** What makes a VPC hold its VNI: nothing to write when it already holds one. */
export interface VniClaim {
  vni: number;
  ops: TxnOp[];
}

/**
 * The ops that give the VPC `namespace/vpc` with this uid a VNI, for a transaction of the
 * caller's (the VPC's own create, or `assignVni`): each key guarded, so a candidate taken
 * meanwhile fails the transaction and the caller computes the claim again. A VNI still
 * recorded for an earlier VPC of the same name (another uid) goes with it: names are
 * unique, so that VPC is gone.
 */
export async function vniClaim(storage: Storage, namespace: string, vpc: string, uid: string): Promise<VniClaim> {
  const assigned = await storage.get(vpcVniKey(namespace, vpc));
  const earlier = assigned && decodeRecord<VpcVniRecord>(assigned);
  if (earlier && earlier.uid === uid) return { vni: earlier.vni, ops: [] };
  const vni = await firstFreeVni(storage, uid);
  const vniRecord: VniRecord = { namespace, vpc, uid };
  const vpcRecord: VpcVniRecord = { uid, vni };
  const ops: TxnOp[] = [{ type: 'create', key: vniKey(vni), value: encodeRecord(vniRecord) }];
  if (!assigned) return { vni, ops: [{ type: 'create', key: vpcVniKey(namespace, vpc), value: encodeRecord(vpcRecord) }, ...ops] };
  // One transaction may touch a key once: the record is rewritten, not deleted and created.
  ops.unshift({ type: 'update', key: assigned.key, value: encodeRecord(vpcRecord), expectedModRevision: assigned.modRevision });
  ops.push(...(await vniKeyRelease(storage, earlier!)));
  return { vni, ops };
}

/** The first candidate for `uid` that no VPC holds (as of the reads; the transaction decides). */
async function firstFreeVni(storage: Storage, uid: string): Promise<number> {
  let candidate = firstVniCandidate(uid);
  for (let probe = 0; probe < MAX_PROBES; probe++, candidate = nextCandidate(candidate)) {
    if (!(await storage.get(vniKey(candidate)))) return candidate;
  }
  throw errors.conflict({ group: 'vpc.miloapis.com', resource: 'vpcs' }, '', `no free VPC identifier found after ${MAX_PROBES} candidates`);
}

/** Deleting the VNI key of `record`, when that key still names the same VPC. */
async function vniKeyRelease(storage: Storage, record: VpcVniRecord): Promise<TxnOp[]> {
  const vni = await storage.get(vniKey(record.vni));
  return vni && decodeRecord<VniRecord>(vni).uid === record.uid ? [{ type: 'delete', key: vni.key, expectedModRevision: vni.modRevision }] : [];
}

/**
 * The ops that free the VNI of the VPC `namespace/vpc`, for the transaction that finally
 * deletes it; only the identifier of the VPC with this uid, when one is given.
 */
export async function vniReleaseOps(storage: Storage, namespace: string, vpc: string, uid?: string): Promise<TxnOp[]> {
  const assigned = await storage.get(vpcVniKey(namespace, vpc));
  if (!assigned) return [];
  const record = decodeRecord<VpcVniRecord>(assigned);
  if (uid !== undefined && record.uid !== uid) return [];
  return [{ type: 'delete', key: assigned.key, expectedModRevision: assigned.modRevision }, ...(await vniKeyRelease(storage, record))];
}

/** The VNI the VPC holds; null when it holds none (or the record is of another uid). */
export async function readVni(storage: Storage, namespace: string, vpc: string, uid: string): Promise<number | null> {
  const assigned = await storage.get(vpcVniKey(namespace, vpc));
  const record = assigned && decodeRecord<VpcVniRecord>(assigned);
  return record && record.uid === uid ? record.vni : null;
}

/** The VNI of the VPC `namespace/vpc` with this uid, assigned on first call and the same on every later one. */
export async function assignVni(storage: Storage, namespace: string, vpc: string, uid: string): Promise<number> {
  for (;;) {
    const claim = await vniClaim(storage, namespace, vpc, uid);
    if (claim.ops.length === 0) return claim.vni;
    try {
      await storage.txn(claim.ops);
      return claim.vni;
    } catch (err) {
      // A candidate was taken, or another apiserver assigned this VPC's VNI: look again.
      if (!(err instanceof TxnFailedError)) throw err;
    }
  }
}

/** Frees the VPC's VNI. Returns it; null when it had none. */
export async function releaseVni(storage: Storage, namespace: string, vpc: string): Promise<number | null> {
  for (;;) {
    const assigned = await storage.get(vpcVniKey(namespace, vpc));
    if (!assigned) return null;
    const ops = await vniReleaseOps(storage, namespace, vpc);
    try {
      await storage.txn(ops);
      return decodeRecord<VpcVniRecord>(assigned).vni;
    } catch (err) {
      if (!(err instanceof TxnFailedError)) throw err;
    }
  }
}
