// The one admission step of every write: the registry calls it after the strategy has
// prepared the object and before it is stored. It may mutate `object` (defaulting,
// pruning) and throws an ApiError to reject.
import type { KindDefinition } from '../api/kinds.js';
import type { KubeObject } from '../api/object.js';

export type Operation = 'CREATE' | 'UPDATE';

/** How unknown and duplicate fields are treated (the `fieldValidation` query parameter). */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface AdmissionAttributes {
  operation: Operation;
  kind: KindDefinition;
  object: KubeObject;
  oldObject?: KubeObject;
  /** '' for the main resource, 'status' for the status subresource. */
  subresource: string;
  fieldValidation: FieldValidation;
  dryRun: boolean;
}

export interface Admission {
  /** Returns warnings for the client (the `Warning` response header). */
  admit(attrs: AdmissionAttributes): Promise<string[]>;
}

/**
 * Reads another stored object, or undefined when there is none: what cross-object checks
 * (such as "an attachment's addresses lie inside its VPC") use to see the rest of the world.
 */
export type ObjectLookup = (kind: { group: string; kind: string }, namespace: string | undefined, name: string) => Promise<KubeObject | undefined>;

/**
 * How many addresses are held in each of `networks` (as written) of the VPC
 * `namespace/vpc`, current as of the call: what keeps a VPC from losing a network that
 * still holds allocations.
 */
export type NetworkAllocations = (namespace: string, vpc: string, networks: readonly string[]) => Promise<Map<string, number>>;

/**
 * What admission needs from the rest of the server. Without a lookup, cross-object checks
 * are skipped; without network allocations, so is the check that needs them.
 */
export interface AdmissionDeps {
  lookup?: ObjectLookup;
  networkAllocations?: NetworkAllocations;
}
