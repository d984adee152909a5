// AddressAllocation, the object the VPC `allocate` subresource speaks (schema:
// openapi/subresources/vpc.miloapis.com/v1alpha1/addressallocation.yaml): how an
// allocation is shown to clients. Its metadata is the VPC's, as a Scale's is its parent's.
import type { Allocation } from './owners.js';

export const ADDRESS_ALLOCATION_API_VERSION = 'vpc.miloapis.com/v1alpha1';

export interface AddressAllocation {
  apiVersion: typeof ADDRESS_ALLOCATION_API_VERSION;
  kind: 'AddressAllocation';
  metadata: { name: string; namespace: string; creationTimestamp: string };
  spec: { owner: string; families?: string[]; addresses?: string[] };
  status: { addresses: string[] };
}

export interface AddressAllocationList {
  apiVersion: typeof ADDRESS_ALLOCATION_API_VERSION;
  kind: 'AddressAllocationList';
  metadata: Record<string, never>;
  items: AddressAllocation[];
}

/** The allocation as an object; `spec` echoes what was asked, when answering a request. */
export function addressAllocation(
  namespace: string,
  vpc: string,
  allocation: Allocation,
  spec: AddressAllocation['spec'] = { owner: allocation.owner },
): AddressAllocation {
  return {
    apiVersion: ADDRESS_ALLOCATION_API_VERSION,
    kind: 'AddressAllocation',
    metadata: { name: vpc, namespace, creationTimestamp: allocation.createdAt },
    spec,
    status: { addresses: allocation.addresses },
  };
}

export function addressAllocationList(namespace: string, vpc: string, allocations: readonly Allocation[]): AddressAllocationList {
  return {
    apiVersion: ADDRESS_ALLOCATION_API_VERSION,
    kind: 'AddressAllocationList',
    metadata: {},
    items: allocations.map((a) => addressAllocation(namespace, vpc, a)),
  };
}
