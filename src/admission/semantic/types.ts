// The shape of a semantic check: a rule the schema cannot express (arithmetic across
// fields, history, other objects), run after the schema and CEL rules on main-resource
// writes, reporting field errors like every other step.
import type { KubeObject } from '../../api/object.js';
import type { FieldError } from '../../meta/field-errors.js';
import type { NetworkAllocations, ObjectLookup, Operation } from '../types.js';

export interface SemanticContext {
  operation: Operation;
  object: KubeObject;
  oldObject?: KubeObject;
  /** Absent when the server gave admission no way to read other objects. */
  lookup?: ObjectLookup;
  /** Absent when the server has no address management. */
  networkAllocations?: NetworkAllocations;
}

export type SemanticCheck = (context: SemanticContext) => FieldError[] | Promise<FieldError[]>;

/** The checks one kind has, found by group and kind. */
export interface SemanticChecks {
  group: string;
  kind: string;
  checks: SemanticCheck[];
}
