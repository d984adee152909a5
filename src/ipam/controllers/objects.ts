// How IPAM's controllers name the objects they work on: work queue keys are
// "<namespace>/<name>", the same for a VPC and for an attachment, each queue its own.
import type { KubeObject } from '../../api/object.js';

/** The field manager the server's IPAM controllers write under. */
export const CONTROLLER_MANAGER = 'cosmos-ipam-controller';

export const objectKey = (namespace: string, name: string): string => `${namespace}/${name}`;

export const keyOf = (object: KubeObject): string => objectKey(object.metadata.namespace ?? '', object.metadata.name ?? '');

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The name of the VPC an attachment belongs to. */
export function vpcOf(attachment: KubeObject): string | undefined {
  return (attachment.spec as { vpc?: { name?: string } } | undefined)?.vpc?.name;
}
