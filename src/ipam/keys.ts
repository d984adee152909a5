// Where IPAM keeps its state, beside the objects under /registry/vpc.miloapis.com/ in the
// layout the registry uses (/registry/<group>/<resource>/<namespace>/<name>), so an
// operator with etcdctl finds it next to the VPCs it belongs to:
//
//   ipaddresses/<ns>/<vpc>/<address>  one key per held address: who holds it
//   ipowners/<ns>/<vpc>/<owner>       one key per owner: every address it holds
//   vnis/<vni>                        one key per VPC identifier: which VPC has it
//   vpcvnis/<ns>/<vpc>                the identifier a VPC has (the way back)
//
// <address> is the canonical text of the address, so that an address has exactly one
// key however it was written; <owner> ("VirtualMachine/web-1") is URI-encoded, since it
// holds a slash.
const GROUP_PREFIX = '/registry/vpc.miloapis.com/';

export const ADDRESS_PREFIX = `${GROUP_PREFIX}ipaddresses/`;
const OWNER_PREFIX = `${GROUP_PREFIX}ipowners/`;
const VNI_PREFIX = `${GROUP_PREFIX}vnis/`;
const VPC_VNI_PREFIX = `${GROUP_PREFIX}vpcvnis/`;
const VPC_OBJECT_PREFIX = `${GROUP_PREFIX}vpcs/`;
const ATTACHMENT_OBJECT_PREFIX = `${GROUP_PREFIX}vpcattachments/`;

export const vpcId = (namespace: string, vpc: string): string => `${namespace}/${vpc}`;

export const addressKey = (namespace: string, vpc: string, address: string): string => `${ADDRESS_PREFIX}${namespace}/${vpc}/${address}`;

/** The VPC and address an address key names; undefined for a key of another shape. */
export function parseAddressKey(key: string): { vpcId: string; address: string } | undefined {
  if (!key.startsWith(ADDRESS_PREFIX)) return undefined;
  const parts = key.slice(ADDRESS_PREFIX.length).split('/');
  if (parts.length !== 3) return undefined;
  return { vpcId: vpcId(parts[0]!, parts[1]!), address: parts[2]! };
}

export const ownersPrefix = (namespace: string, vpc: string): string => `${OWNER_PREFIX}${namespace}/${vpc}/`;

export const ownerKey = (namespace: string, vpc: string, owner: string): string => ownersPrefix(namespace, vpc) + encodeURIComponent(owner);

export const vniKey = (vni: number): string => `${VNI_PREFIX}${vni}`;

export const vpcVniKey = (namespace: string, vpc: string): string => `${VPC_VNI_PREFIX}${namespace}/${vpc}`;

/** The VPC object itself, as the registry stores it. */
export const vpcObjectKey = (namespace: string, vpc: string): string => `${VPC_OBJECT_PREFIX}${namespace}/${vpc}`;

/** A VPCAttachment object, as the registry stores it. */
export const attachmentObjectKey = (namespace: string, attachment: string): string => `${ATTACHMENT_OBJECT_PREFIX}${namespace}/${attachment}`;
