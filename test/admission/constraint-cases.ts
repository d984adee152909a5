// Generated from the reference CRDs: for every type, required field, enum, bound, length,
// item count, pattern, format and list type a schema node declares, a change that breaks
// exactly that constraint and the field error kube-apiserver gives for it. Used in
// process (test/admission) and over HTTP (test/validation).
import type { JSONSchemaProps } from '../../src/api/kinds.js';
import { goQuote, goSharpV } from '../../src/meta/go-format.js';
import { getAt, setAt, type Instance, type SchemaNode } from './schema-walk.js';

export interface Case {
  name: string;
  /** Changes the instance's value (or its parent) to break or meet the constraint. */
  change: (instance: Instance) => void;
  /** The cause line expected; undefined when the write must be accepted. */
  expected?: string;
}

const WRONG_TYPE: Record<string, unknown> = { string: 12345, integer: 1.5, number: 'x', boolean: 'yes', array: 'x', object: 'x' };
const JSON_TYPE_OF_WRONG: Record<string, string> = { string: 'integer', integer: 'number', number: 'string', boolean: 'string', array: 'string', object: 'string' };

const replaceWith = (value: unknown) => (instance: Instance) => setAt(instance.object, instance.keys, value);

/** The constraints `node` declares, each broken (or met at its bound) at the instance at `path`. */
export function casesFor(node: SchemaNode, path: string): Case[] {
  const s = node.schema;
  const cases: Case[] = [];
  if (s.type) {
    cases.push({
      name: `type ${s.type}`,
      change: replaceWith(WRONG_TYPE[s.type]),
      expected: `${path}: Invalid value: "${JSON_TYPE_OF_WRONG[s.type]}": ${path} in body must be of type ${s.type}: "${JSON_TYPE_OF_WRONG[s.type]}"`,
    });
  }
  for (const field of s.required ?? []) {
    const fallback = s.properties?.[field]?.default;
    cases.push({
      name: `required ${field}${fallback === undefined ? '' : ' (defaulted)'}`,
      change: (instance) => delete (getAt(instance.object, instance.keys) as Record<string, unknown>)[field],
      expected: fallback === undefined ? `${path}.${field}: Required value` : undefined,
    });
  }
  const enumSchema = s.enum ? s : s.allOf?.find((b) => b.enum);
  if (enumSchema?.enum) {
    const supported = enumSchema.enum.map((v) => goQuote(String(v))).join(', ');
    cases.push({ name: 'enum', change: replaceWith('not-in-enum'), expected: `${path}: Unsupported value: "not-in-enum": supported values: ${supported}` });
  }
  if (s.allOf?.length) {
    cases.push({
      name: 'allOf',
      change: replaceWith('not-in-enum'),
      expected: `<nil>: Invalid value: "": ${goQuote(path)} must validate all the schemas (allOf). None validated`,
    });
  }
  if (s.minimum !== undefined) {
    cases.push({ name: `minimum ${s.minimum}`, change: replaceWith(s.minimum - 1), expected: `${path}: Invalid value: ${s.minimum - 1}: ${path} in body should be greater than or equal to ${s.minimum}` });
    cases.push({ name: `minimum ${s.minimum} itself`, change: replaceWith(s.minimum) });
  }
  if (s.maximum !== undefined) {
    cases.push({ name: `maximum ${s.maximum}`, change: replaceWith(s.maximum + 1), expected: `${path}: Invalid value: ${s.maximum + 1}: ${path} in body should be less than or equal to ${s.maximum}` });
    cases.push({ name: `maximum ${s.maximum} itself`, change: replaceWith(s.maximum) });
  }
  if (s.format === 'int32') {
    cases.push({ name: 'format int32', change: replaceWith(2 ** 31), expected: `<nil>: Invalid value: "": Checked value must be of type integer with format int32 in ${path}` });
  }
  if (s.format === 'ipv4' || s.format === 'date-time') {
    const bad = s.format === 'ipv4' ? '10.0.0.256' : '2024-05-01 10:00';
    cases.push({ name: `format ${s.format}`, change: replaceWith(bad), expected: `${path}: Invalid value: "${bad}": ${path} in body must be of type ${s.format}: "${bad}"` });
  }
  if (s.minLength !== undefined) {
    const short = 'a'.repeat(s.minLength - 1);
    cases.push({ name: `minLength ${s.minLength}`, change: replaceWith(short), expected: `${path}: Invalid value: "${short}": ${path} in body should be at least ${s.minLength} chars long` });
  }
  if (s.maxLength !== undefined) {
    cases.push({ name: `maxLength ${s.maxLength}`, change: replaceWith('a'.repeat(s.maxLength + 1)), expected: `${path}: Too long: may not be more than ${s.maxLength} bytes` });
  }
  if (s.pattern !== undefined) {
    cases.push({ name: 'pattern', change: replaceWith('!'), expected: `${path}: Invalid value: "!": ${path} in body should match '${s.pattern}'` });
  }
  if (s.minItems !== undefined) {
    cases.push({ name: `minItems ${s.minItems}`, change: replaceWith([]), expected: `${path}: Invalid value: 0: ${path} in body should have at least ${s.minItems} items` });
  }
  if (s.maxItems !== undefined) {
    const n = s.maxItems + 1;
    cases.push({
      name: `maxItems ${s.maxItems}`,
      change: (instance) => replaceWith(Array.from({ length: n }, () => structuredClone((getAt(instance.object, instance.keys) as unknown[])[0])))(instance),
      expected: `${path}: Too many: ${n}: must have at most ${s.maxItems} items`,
    });
  }
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set' || listType === 'map') {
    const first = (instance: Instance) => (getAt(instance.object, instance.keys) as unknown[])[0];
    cases.push({
      name: `list-type ${listType}`,
      change: (instance) => replaceWith([first(instance), structuredClone(first(instance))])(instance),
      expected: `${path}[1]: Duplicate value: ${duplicateShown(s, listType)}`,
    });
  }
  return cases;
}

// The value a Duplicate error shows: the item of a set, the key fields of a map entry.
function duplicateShown(s: JSONSchemaProps, listType: 'set' | 'map'): string {
  return listType === 'set' ? '__SET_ITEM__' : `map[string]interface {}{${(s['x-kubernetes-list-map-keys'] ?? []).map((k) => `${goQuote(k)}:__KEY_${k}__`).join(', ')}}`;
}

/** The expected line with the placeholders for the original list's first item filled in. */
export function resolvePlaceholders(expected: string, original: unknown): string {
  if (!Array.isArray(original)) return expected;
  const item = original[0] as Record<string, unknown>;
  return expected.replace('__SET_ITEM__', goSharpV(item)).replace(/__KEY_(\w+)__/g, (_, key: string) => goSharpV(item[key]));
}

const within = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);

// The constraint's own field, a field inside it, or an enclosing object whose CEL rule
// reads the broken value (`value must be in ASN:NN format` on a route target whose value
// is now empty); never a sibling.
export function isRelated(field: string | undefined, path: string): boolean {
  return field === '<nil>' || (field !== undefined && (within(field, path) || within(path, field)));
}
