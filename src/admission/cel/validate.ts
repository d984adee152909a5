// Runs the compiled rules over an object the way apiextensions-apiserver does: each rule
// at the node that declares it with `self` bound to the node's value (and `oldSelf` to
// the correlated old value on updates), nodes before their children, null values
// skipped, results turned into field errors with the rule's message, messageExpression,
// fieldPath and reason. A cost bound taken before each rule keeps any object cheap.
import { isCelError, type CelResult } from '@bufbuild/cel';
import { duplicate, forbidden, invalidValue, required, type FieldError, type FieldPath } from '../../meta/field-errors.js';
import { canonicalJson } from '../canonical-json.js';
import { isJsonObject, itemPath, mapEntryPath, propertyPath, type Schema } from '../schema.js';
import { NO_FIELD } from '../schema-validation.js';
import type { CompiledRule, RuleNode } from './compile.js';
import { costBound, costContext, PER_CALL_LIMIT, RUNTIME_COST_BUDGET, type CostContext } from './cost.js';
import { toCelRootValue, toCelValue } from './values.js';

/** kube-apiserver's cap on a messageExpression result (celconfig.MaxEvaluatedMessageExpressionSizeBytes). */
const MAX_MESSAGE_BYTES = 5 * 1024;

export interface RuleScope {
  value: unknown;
  /** The value before the update, when there is one. */
  oldValue?: unknown;
  /** Where the value sits; undefined for the resource's root. */
  path: FieldPath | undefined;
}

export function validateRules(tree: RuleNode, scope: RuleScope): FieldError[] {
  const run = new Run();
  run.node(tree, scope.value, scope.oldValue, scope.path, scope.path === undefined);
  return run.errors;
}

class Run {
  readonly errors: FieldError[] = [];
  private remaining = RUNTIME_COST_BUDGET;
  private stopped = false;

  node(node: RuleNode, value: unknown, oldValue: unknown, path: FieldPath | undefined, isRoot: boolean): void {
    // Rules see only values that exist; a rule about presence lives on the parent.
    if (this.stopped || value === null || value === undefined) return;
    if (node.rules.length) this.evaluate(node, value, oldValue, path, isRoot);
    if (Array.isArray(value) && node.items) {
      const oldItem = correlateListItems(node.schema, oldValue);
      value.forEach((item, i) => this.node(node.items!, item, oldItem(item), itemPath(path, i), false));
    } else if (isJsonObject(value)) {
      const old = isJsonObject(oldValue) ? oldValue : undefined;
      for (const [key, child] of Object.entries(value)) {
        const property = node.properties.get(key);
        if (property) this.node(property, child, old?.[key], propertyPath(path, key), false);
        else if (node.mapValues && !node.schema.properties?.[key]) this.node(node.mapValues, child, old?.[key], mapEntryPath(path, key), false);
      }
    }
  }

  private evaluate(node: RuleNode, value: unknown, oldValue: unknown, path: FieldPath | undefined, isRoot: boolean): void {
    const convert = (v: unknown) => (isRoot && isJsonObject(v) ? toCelRootValue(v, node.schema) : toCelValue(v, node.schema));
    const hasOld = oldValue !== undefined && oldValue !== null;
    const bindings = hasOld ? { self: convert(value), oldSelf: convert(oldValue) } : { self: convert(value) };
    const costs = costContext(hasOld ? { self: value, oldSelf: oldValue } : { self: value });
    const type = schemaType(node.schema);
    const at = path ?? NO_FIELD;
    for (const compiled of node.rules) {
      if (compiled.transition && !hasOld) continue;
      const cost = costBound(compiled.program.expr, costs);
      if (cost > PER_CALL_LIMIT) {
        const reason = `'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleErrorString(compiled)}`;
        return this.stop(invalidValue(at, type, reason));
      }
      if (cost > this.remaining) {
        return this.stop(invalidValue(at, type, 'validation failed due to running out of cost budget, no further validation rules will be run'));
      }
      this.remaining -= cost;
      const result = compiled.program.run(bindings);
      if (isCelError(result)) {
        this.errors.push(invalidValue(at, type, `${celErrorText(result.message)} evaluating rule: ${ruleErrorString(compiled)}`));
      } else if (result !== true) {
        const failedAt = compiled.fieldPath ? joinFieldPath(path, compiled.fieldPath) : at;
        const message = this.message(compiled, bindings, costs) ?? ruleMessageOrDefault(compiled);
        this.errors.push(errorForReason(compiled, failedAt, type, message));
      }
    }
  }

  private message(compiled: CompiledRule, bindings: Record<string, unknown>, costs: CostContext): string | undefined {
    if (!compiled.messageProgram) return undefined;
    const cost = costBound(compiled.messageProgram.expr, costs);
    if (cost > PER_CALL_LIMIT || cost > this.remaining) return undefined;
    this.remaining -= cost;
    const result: CelResult = compiled.messageProgram.run(bindings);
    if (typeof result !== 'string') return undefined;
    const text = result.trim();
    const usable = text !== '' && !text.includes('\n') && Buffer.byteLength(text) <= MAX_MESSAGE_BYTES;
    return usable ? text : undefined;
  }

  private stop(error: FieldError): void {
    this.errors.push(error);
    this.stopped = true;
  }
}

/**
 * Items of a list-type=map correlate with the old item of the same key; in other lists
 * an item has no old counterpart, so transition rules below it do not run (as in kube).
 */
function correlateListItems(schema: Schema, oldValue: unknown): (item: unknown) => unknown {
  const keys = schema['x-kubernetes-list-map-keys'];
  if (schema['x-kubernetes-list-type'] !== 'map' || !keys?.length || !Array.isArray(oldValue)) return () => undefined;
  // Indexed once per list: looking each item up by scanning would make an update of a
  // long list quadratic.
  const keyOf = (entry: Record<string, unknown>) => canonicalJson(keys.map((k) => entry[k]));
  const byKey = new Map<string, unknown>();
  for (const old of oldValue) {
    if (isJsonObject(old) && !byKey.has(keyOf(old))) byKey.set(keyOf(old), old);
  }
  return (item) => (isJsonObject(item) ? byKey.get(keyOf(item)) : undefined);
}

function schemaType(schema: Schema): string {
  return schema.type ?? (schema['x-kubernetes-int-or-string'] ? 'integer-or-string' : '');
}

function joinFieldPath(path: FieldPath | undefined, suffix: string): string {
  if (!path) return suffix;
  return suffix.startsWith('[') ? `${path}${suffix}` : `${path}.${suffix}`;
}

function ruleErrorString({ rule }: CompiledRule): string {
  return rule.message?.trim() || rule.rule.trim();
}

function ruleMessageOrDefault({ rule }: CompiledRule): string {
  return rule.message?.trim() || `failed rule: ${rule.rule.trim()}`;
}

function errorForReason({ rule }: CompiledRule, at: FieldPath | string, type: string, message: string): FieldError {
  switch (rule.reason) {
    case 'FieldValueForbidden':
      return forbidden(at, message);
    case 'FieldValueRequired':
      return required(at, message);
    case 'FieldValueDuplicate':
      return duplicate(at, type);
    default:
      return invalidValue(at, type, message);
  }
}

// The evaluator's wording where cel-go (whose text Kubernetes shows) says it differently.
function celErrorText(message: string): string {
  return message.replace(/^field not found: /, 'no such key: ').replace(/^int overflow\b.*$/, 'integer overflow');
}
