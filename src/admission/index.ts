// The admission step of every write, driven only by the kinds' schemas: unknown fields
// (per fieldValidation) -> defaults -> structural schema -> CEL rules -> semantic checks,
// with every error of the object reported at once as one 422 Invalid, as kube-apiserver
// reports a custom resource. A write to /status is judged on its status alone, so that a
// spec that later rules would refuse never blocks the agent from reporting state.
import type { KindDefinition } from '../api/kinds.js';
import { FieldPath, invalidValue, type FieldError, type FieldErrorType } from '../meta/field-errors.js';
import { invalid } from '../meta/status.js';
import { compileRuleTree, type RuleNode } from './cel/compile.js';
import { createCelEnvironment } from './cel/environment.js';
import { validateRules } from './cel/validate.js';
import { canonicalJson } from './canonical-json.js';
import { applyDefaults } from './defaulting.js';
import { validateListTypes } from './list-types.js';
import { validateMetadata } from './metadata-validation.js';
import { pruneUnknownFields, unknownFieldOutcome } from './pruning.js';
import { admissionSchema, isJsonObject, type Schema } from './schema.js';
import { assertSchemaSupported } from './schema-support.js';
import { NO_FIELD, validateSchema } from './schema-validation.js';
import { semanticChecksFor } from './semantic/index.js';
import type { SemanticCheck } from './semantic/types.js';
import type { Admission, AdmissionAttributes, AdmissionDeps } from './types.js';

// Errors after which the object lacks the shape its rules were written for, so CEL does
// not run (apiextensions-apiserver's hasBlockingErr).
const BLOCKING: ReadonlySet<FieldErrorType> = new Set([
  'FieldValueNotSupported',
  'FieldValueRequired',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'FieldValueTypeInvalid',
]);
const RULES_SKIPPED = 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

interface PreparedKind {
  kind: KindDefinition;
  schema: Schema;
  rules?: RuleNode;
  semantic: SemanticCheck[];
}

/** One part of the object that a write is judged on: all of it, or its status. */
interface Scope {
  value: unknown;
  oldValue: unknown;
  schema: Schema;
  rules?: RuleNode;
  path: FieldPath | undefined;
}

/**
 * Prepares admission for `kinds`: every schema is checked and every CEL rule compiled
 * here, so a rule or schema the server cannot enforce fails start-up, not a request.
 */
export function createAdmission(kinds: readonly KindDefinition[], deps: AdmissionDeps = {}): Admission {
  const env = createCelEnvironment();
  const prepared = new Map<string, PreparedKind>();
  for (const kind of kinds) {
    const schema = admissionSchema(kind);
    const where = `${kind.kind}.${kind.group}/${kind.version}`;
    assertSchemaSupported(schema, where);
    prepared.set(kindKey(kind), { kind, schema, rules: compileRuleTree(schema, env, where), semantic: semanticChecksFor(kind) });
  }
  return {
    async admit(attrs) {
      const kind = prepared.get(kindKey(attrs.kind));
      if (!kind) throw new Error(`admission has no definition of ${kindKey(attrs.kind)}`);
      return admit(kind, attrs, deps);
    },
  };
}

async function admit(prepared: PreparedKind, attrs: AdmissionAttributes, deps: AdmissionDeps): Promise<string[]> {
  const { kind } = prepared;
  const onStatus = attrs.subresource === 'status';
  const scope = onStatus ? statusScope(prepared, attrs) : wholeObjectScope(prepared, attrs);
  if (scope.value === undefined) return [];
  dropUndefinedFields(scope.value);

  const warnings = unknownFieldOutcome(kind, pruneUnknownFields(scope.value, scope.schema, scope.path), attrs.fieldValidation);
  applyDefaults(scope.value, scope.schema);

  // concat, not push(...): an object may hold more errors than a call takes arguments.
  let errors: FieldError[] = (onStatus ? [] : validateMetadata(kind, attrs.object)).concat(
    validateSchema(scope.value, scope.schema, scope.path),
    validateListTypes(scope.value, scope.schema, scope.path),
  );
  if (errors.some((e) => BLOCKING.has(e.type))) {
    errors.push(invalidValue(NO_FIELD, null, RULES_SKIPPED));
  } else {
    if (scope.rules) errors = errors.concat(validateRules(scope.rules, { value: scope.value, oldValue: scope.oldValue, path: scope.path }));
    if (!onStatus) errors = errors.concat(await semanticErrors(prepared.semantic, attrs, deps));
  }
  // A name of the wrong type is one of the errors; the Status names no object then.
  const name = typeof attrs.object.metadata?.name === 'string' ? attrs.object.metadata.name : '';
  if (errors.length) throw invalid({ group: kind.group, kind: kind.kind }, name, withoutRepeats(errors));
  return warnings;
}

function wholeObjectScope(prepared: PreparedKind, attrs: AdmissionAttributes): Scope {
  return { value: attrs.object, oldValue: attrs.oldObject, schema: prepared.schema, rules: prepared.rules, path: undefined };
}

function statusScope(prepared: PreparedKind, attrs: AdmissionAttributes): Scope {
  const schema = prepared.schema.properties?.status ?? {};
  const rules = prepared.rules?.properties.get('status');
  return { value: attrs.object.status, oldValue: attrs.oldObject?.status, schema, rules, path: FieldPath.root('status') };
}

async function semanticErrors(checks: readonly SemanticCheck[], attrs: AdmissionAttributes, deps: AdmissionDeps): Promise<FieldError[]> {
  const context = { operation: attrs.operation, object: attrs.object, oldObject: attrs.oldObject, lookup: deps.lookup, networkAllocations: deps.networkAllocations };
  const results = await Promise.all(checks.map((check) => check(context)));
  return results.flat();
}

// allOf branches repeat their parent's constraints (controller-gen writes enums twice):
// one report of each error is enough.
function withoutRepeats(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = JSON.stringify([e.type, e.field, e.detail]) + canonicalJson(e.badValue);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// In-process callers may leave `field: undefined` behind; on the wire the field is absent,
// and every step below must see it that way. A work list, not recursion: this walks the
// whole body, unknown fields included, and a hostile body nests thousands of levels deep.
function dropUndefinedFields(root: unknown): void {
  const pending = [root];
  while (pending.length) {
    const value = pending.pop();
    if (Array.isArray(value)) for (const item of value) pending.push(item);
    else if (isJsonObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (child === undefined) delete value[key];
        else pending.push(child);
      }
    }
  }
}

function kindKey(kind: { group: string; version: string; kind: string }): string {
  return `${kind.kind}.${kind.group}/${kind.version}`;
}
