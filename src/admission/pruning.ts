// Unknown fields: whatever the schema does not name is dropped, as apiextensions-apiserver
// prunes custom resources, and the `fieldValidation` parameter decides whether the client
// is told (Warn, the default), refused (Strict) or not told (Ignore).
import type { KindDefinition } from '../api/kinds.js';
import type { FieldPath } from '../meta/field-errors.js';
import { goQuote } from '../meta/go-format.js';
import { badRequest } from '../meta/status.js';
import type { FieldValidation } from './types.js';
import { isJsonObject, itemPath, keepsUnknownFields, mapEntryPath, mapValueSchema, propertyPath, type Schema } from './schema.js';

/** Removes the fields `schema` does not allow from `value`, returning their paths. */
export function pruneUnknownFields(value: unknown, schema: Schema, path: FieldPath | undefined): string[] {
  const pruned: string[] = [];
  walk(value, schema, path, pruned);
  return pruned;
}

function walk(value: unknown, schema: Schema, path: FieldPath | undefined, pruned: string[]): void {
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => walk(item, schema.items!, itemPath(path, i), pruned));
    return;
  }
  if (!isJsonObject(value)) return;
  const valueSchema = mapValueSchema(schema);
  for (const key of Object.keys(value)) {
    const propertySchema = schema.properties?.[key];
    if (propertySchema) walk(value[key], propertySchema, propertyPath(path, key), pruned);
    else if (valueSchema) walk(value[key], valueSchema, mapEntryPath(path, key), pruned);
    else if (!keepsUnknownFields(schema)) {
      pruned.push(String(propertyPath(path, key)));
      delete value[key];
    }
  }
}

/**
 * Applies the client's choice to the unknown fields found: Strict refuses the request
 * with every one of them named, Warn returns a warning per field, Ignore says nothing.
 */
export function unknownFieldOutcome(kind: Pick<KindDefinition, 'kind' | 'version'>, unknown: readonly string[], fieldValidation: FieldValidation): string[] {
  if (unknown.length === 0 || fieldValidation === 'Ignore') return [];
  const messages = unknown.map((path) => `unknown field ${goQuote(path)}`);
  if (fieldValidation === 'Warn') return messages;
  throw badRequest(
    `${kind.kind} in version ${goQuote(kind.version)} cannot be handled as a ${kind.kind}: strict decoding error: ${messages.join(', ')}`,
  );
}
