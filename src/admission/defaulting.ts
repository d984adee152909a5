// Schema defaults, applied the way apiextensions-apiserver applies them to custom
// resources: a property that is absent (or null where null is not allowed) takes its
// default, at every depth that exists in the object, list items and map values included.
// A null in a property that is neither nullable nor defaulted is dropped, as kube does
// (nulls in list items and map values stay, and fail validation).
import { deepCopy } from '../api/object.js';
import { isJsonObject, mapValueSchema, type Schema } from './schema.js';

/** Mutates `value` in place. */
export function applyDefaults(value: unknown, schema: Schema): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isJsonObject(value)) return;
  for (const [key, propertySchema] of Object.entries(schema.properties ?? {})) {
    const present = Object.hasOwn(value, key);
    if (present && value[key] !== null) continue;
    if (present && propertySchema.nullable) continue;
    if (propertySchema.default !== undefined) value[key] = deepCopy(propertySchema.default);
    else if (present) delete value[key];
  }
  const valueSchema = mapValueSchema(schema);
  for (const [key, child] of Object.entries(value)) {
    const childSchema = schema.properties?.[key] ?? valueSchema;
    if (childSchema) applyDefaults(child, childSchema);
  }
}
