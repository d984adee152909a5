// What IPAM adds to the registry's writes of VPCs and VPCAttachments, committed in the
// same storage transaction as the object itself, so that an object and what IPAM keeps
// for it can never disagree, whatever crashes or races:
//
//   VPC create          the VPC takes its identifier (VNI) and the finalizer that makes
//                       its deletion wait until its addresses are released
//   VPC final delete    its identifier is freed
//   attachment create   its addresses are held; update: moved; delete: released
//
// Every other write (status above all, which the agent and the status controller write
// often) adds nothing, so it never fails for IPAM's sake.
import type { TxnOp } from '../../storage/interface.js';
import type { KubeObject } from '../api/object.js';
import type { WriteHooks } from '../registry/resource-store.js';
import type { Ipam } from './ipam.js';

/** Held by every VPC until its addresses and attachments are gone (see vpc-controller.ts). */
export const VPC_FINALIZER = 'vpc.miloapis.com/ipam';

export function vpcWriteHooks(ipam: Ipam): WriteHooks {
  return {
    prepareForCreate(vpc) {
      const finalizers = vpc.metadata.finalizers ?? [];
      if (!finalizers.includes(VPC_FINALIZER)) vpc.metadata.finalizers = [...finalizers, VPC_FINALIZER];
    },
    async companionOps({ old, next }): Promise<TxnOp[]> {
      const { namespace = '', name = '', uid = '' } = (next ?? old)!.metadata;
      if (next && !old) return (await ipam.vniClaim(namespace, name, uid)).ops;
      if (old && !next) return ipam.vniReleaseOps(namespace, name, uid);
      return [];
    },
  };
}

interface AttachmentSpec {
  vpc?: { name?: string };
  interface?: { addresses?: string[] };
}

const specOf = (attachment: KubeObject | undefined) => attachment?.spec as AttachmentSpec | undefined;
const addressesOf = (attachment: KubeObject | undefined): string[] => specOf(attachment)?.interface?.addresses ?? [];

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && new Set([...a, ...b]).size === new Set(a).size;

export function attachmentWriteHooks(ipam: Ipam): WriteHooks {
  return {
    companionOps({ old, next }): Promise<TxnOp[]> {
      const before = old ? addressesOf(old) : [];
      const after = next ? addressesOf(next) : [];
      if (old && next && sameSet(before, after)) return Promise.resolve([]);
      const attachment = (next ?? old)!;
      const vpc = specOf(attachment)?.vpc?.name;
      // No VPC named: admission refuses such an attachment, so there is nothing to hold.
      if (!vpc) return Promise.resolve([]);
      return ipam.attachmentOps(attachment.metadata.namespace ?? '', attachment.metadata.name ?? '', vpc, before, after);
    },
  };
}
