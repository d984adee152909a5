// The VPC identifier: a 24-bit VXLAN network identifier (VNI) unique across the whole
// installation, since the data plane tells VPCs apart by it on the wire. Each VNI in use
// is a key created only if absent, so two VPCs can never share one, whichever apiserver
// assigns them. The first candidate comes from a hash of the VPC's uid (stable, and
// spread evenly, so collisions are rare); a taken candidate moves on to the next.
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

/**
 * The VNI of the VPC `namespace/vpc` with this uid, assigned on first call and the same on
 * every later one. A VNI still recorded for an earlier VPC of the same name (another uid)
 * is released first: names are unique, so that VPC is gone.
 */
export async function assignVni(storage: Storage, namespace: string, vpc: string, uid: string): Promise<number> {
  for (;;) {
    const assigned = await storage.get(vpcVniKey(namespace, vpc));
    if (assigned) {
      const record = decodeRecord<VpcVniRecord>(assigned);
      if (record.uid === uid) return record.vni;
      await releaseVni(storage, namespace, vpc);
      continue;
    }
    const won = await claimFirstFree(storage, namespace, vpc, uid);
    if (won !== undefined) return won;
    // Another apiserver assigned this VPC's VNI meanwhile: read what it chose.
  }
}

/** Tries candidates in turn; undefined when the VPC got a VNI from someone else first. */
async function claimFirstFree(storage: Storage, namespace: string, vpc: string, uid: string): Promise<number | undefined> {
  let candidate = firstVniCandidate(uid);
  for (let probe = 0; probe < MAX_PROBES; probe++, candidate = nextCandidate(candidate)) {
    const vniRecord: VniRecord = { namespace, vpc, uid };
    const vpcRecord: VpcVniRecord = { uid, vni: candidate };
    try {
      await storage.txn([
        { type: 'create', key: vpcVniKey(namespace, vpc), value: encodeRecord(vpcRecord) },
        { type: 'create', key: vniKey(candidate), value: encodeRecord(vniRecord) },
      ]);
      return candidate;
    } catch (err) {
      if (!(err instanceof TxnFailedError)) throw err;
      if (err.opIndex === 0) return undefined;
    }
  }
  throw errors.conflict({ group: 'vpc.miloapis.com', resource: 'vpcs' }, vpc, `no free VPC identifier found after ${MAX_PROBES} candidates`);
}

/** Frees the VPC's VNI (when its finalizer completes). Returns it; null when it had none. */
export async function releaseVni(storage: Storage, namespace: string, vpc: string): Promise<number | null> {
  for (;;) {
    const assigned = await storage.get(vpcVniKey(namespace, vpc));
    if (!assigned) return null;
    const record = decodeRecord<VpcVniRecord>(assigned);
    const vni = await storage.get(vniKey(record.vni));
    const ops: TxnOp[] = [{ type: 'delete', key: assigned.key, expectedModRevision: assigned.modRevision }];
    // Only the VNI key that names this very VPC goes with it.
    if (vni && decodeRecord<VniRecord>(vni).uid === record.uid) ops.push({ type: 'delete', key: vni.key, expectedModRevision: vni.modRevision });
    try {
      await storage.txn(ops);
      return record.vni;
    } catch (err) {
      if (!(err instanceof TxnFailedError)) throw err;
    }
  }
}
