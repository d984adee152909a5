// Small facts about structural schemas and JSON values that every admission step needs.
import type { JSONSchemaProps, KindDefinition } from '../api/kinds.js';
import { FieldPath } from '../meta/field-errors.js';
import { OBJECT_META_SCHEMA } from './object-meta-schema.js';

export type Schema = JSONSchemaProps;

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The schema of a map's values (`additionalProperties: {...}`), if the node is a map. */
export function mapValueSchema(schema: Schema): Schema | undefined {
  return typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
}

/** Fields the schema does not name are kept as they are (and not reported) at this node. */
export function keepsUnknownFields(schema: Schema): boolean {
  return schema['x-kubernetes-preserve-unknown-fields'] === true || schema.additionalProperties === true;
}

/** JSON integers from here on do not fit an int64, so kube decodes them as float64 ("number"). */
const INT64_LIMIT = 2 ** 63;

/** The JSON type name of a decoded value, as kube-openapi reports it in type errors. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < INT64_LIMIT ? 'integer' : 'number';
  return typeof value;
}

/**
 * The kind's schema as admission applies it: the kind files leave `metadata` open
 * (`type: object`), as CRDs must, while the API server holds it to ObjectMeta.
 */
export function admissionSchema(kind: KindDefinition): Schema {
  return { ...kind.schema, properties: { ...kind.schema.properties, metadata: OBJECT_META_SCHEMA } };
}

// Field paths start below the object's root, which has none of its own.
export function propertyPath(parent: FieldPath | undefined, name: string): FieldPath {
  return parent ? parent.child(name) : FieldPath.root(name);
}

export function itemPath(parent: FieldPath | undefined, index: number): FieldPath {
  return (parent ?? FieldPath.root('')).index(index);
}

export function mapEntryPath(parent: FieldPath | undefined, key: string): FieldPath {
  return (parent ?? FieldPath.root('')).key(key);
}
