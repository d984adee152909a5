// The values IPAM stores, as JSON. An address record and its owner's record are always
// written in one transaction, so each names the other: the audit of the two must agree.
import type { KeyValue } from '../../storage/interface.js';

/** Value of an address key: who holds the address, and in which VPC network. */
export interface AddressRecord {
  owner: string;
  /** Canonical CIDR of the VPC network the address was taken from. */
  network: string;
  createdAt: string;
}

/** Value of an owner key: the addresses the owner holds, in the order it got them. */
export interface OwnerRecord {
  owner: string;
  /** CIDR form, with the prefix length of the containing network. */
  addresses: string[];
  createdAt: string;
  /**
   * The owner is a VPCAttachment object that lists these addresses: they are released
   * by editing or deleting the attachment, never by a release request behind its back.
   */
  attached?: boolean;
  /**
   * The uid of the VPC the addresses were taken from: what is left of a deleted VPC is
   * told apart from what a later VPC of the same name holds.
   */
  vpcUid?: string;
}

/** Value of a VNI key: the VPC it identifies. */
export interface VniRecord {
  namespace: string;
  vpc: string;
  uid: string;
}

/** Value of a VPC's identifier key. */
export interface VpcVniRecord {
  uid: string;
  vni: number;
}

export const encodeRecord = (record: AddressRecord | OwnerRecord | VniRecord | VpcVniRecord): Uint8Array => Buffer.from(JSON.stringify(record));

export const decodeRecord = <T extends AddressRecord | OwnerRecord | VniRecord | VpcVniRecord>(kv: KeyValue): T =>
  JSON.parse(Buffer.from(kv.value.buffer, kv.value.byteOffset, kv.value.byteLength).toString('utf8')) as T;

// Every allocation stamps its records: the text changes once a second, so it is made once a second.
let stamped = { second: NaN, text: '' };

/** RFC 3339 at second precision, as Kubernetes writes timestamps. */
export const timestamp = (now = new Date()): string => {
  const second = Math.floor(now.getTime() / 1000);
  if (second !== stamped.second) stamped = { second, text: now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
  return stamped.text;
};
