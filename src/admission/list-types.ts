// The invariants of `x-kubernetes-list-type`: a set holds each value once, a map holds
// each key tuple once. Checked after the schema, as apiextensions-apiserver does, with
// one Duplicate error per repeated entry.
import { duplicate, type FieldError, type FieldPath } from '../meta/field-errors.js';
import { canonicalJson } from './canonical-json.js';
import { isJsonObject, itemPath, mapValueSchema, propertyPath, type Schema } from './schema.js';

export function validateListTypes(value: unknown, schema: Schema, path: FieldPath | undefined): FieldError[] {
  const errors: FieldError[] = [];
  walk(value, schema, path, errors);
  return errors;
}

function walk(value: unknown, schema: Schema, path: FieldPath | undefined, errors: FieldError[]): void {
  if (Array.isArray(value)) {
    for (const error of duplicates(value, schema, path)) errors.push(error);
    if (schema.items) value.forEach((item, i) => walk(item, schema.items!, itemPath(path, i), errors));
    return;
  }
  if (!isJsonObject(value)) return;
  const valueSchema = mapValueSchema(schema);
  for (const [key, child] of Object.entries(value)) {
    const childSchema = schema.properties?.[key] ?? valueSchema;
    if (childSchema) walk(child, childSchema, propertyPath(path, key), errors);
  }
}

function duplicates(list: unknown[], schema: Schema, path: FieldPath | undefined): FieldError[] {
  const identity = listIdentity(schema);
  if (!identity) return [];
  // Keyed by canonical JSON so that a long list is checked in linear time.
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  list.forEach((item, i) => {
    const id = identity(item);
    if (id === undefined) return;
    const key = canonicalJson(id);
    if (seen.has(key)) errors.push(duplicate(itemPath(path, i), id));
    else seen.add(key);
  });
  return errors;
}

/** What makes two entries the same: the whole value in a set, the key fields in a map. */
function listIdentity(schema: Schema): ((item: unknown) => unknown) | undefined {
  if (schema['x-kubernetes-list-type'] === 'set') return (item) => item;
  const keys = schema['x-kubernetes-list-map-keys'];
  if (schema['x-kubernetes-list-type'] !== 'map' || !keys?.length) return undefined;
  return (item) => (isJsonObject(item) ? Object.fromEntries(keys.map((k) => [k, item[k]])) : undefined);
}
