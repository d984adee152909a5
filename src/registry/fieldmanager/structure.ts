// How the schema says a value is owned and merged, node by node (structured-merge-diff's
// schema.Map / schema.List / schema.Scalar, read from an OpenAPI v3 structural schema):
//
// * a granular map (a struct with `properties`, or a map with `additionalProperties`) is
//   owned field by field; `x-kubernetes-map-type: atomic` makes it one leaf;
// * a list is atomic unless `x-kubernetes-list-type` says `set` (items by value) or `map`
//   (items by their `x-kubernetes-list-map-keys`), as for any CRD;
// * scalars, atomic values, and values whose shape contradicts the schema are leaves;
// * where the schema says nothing (unknown or preserved fields), objects are granular maps
//   and arrays atomic, as structured-merge-diff deduces them.
import type { JSONSchemaProps, KindDefinition } from '../../api/kinds.js';
import { OBJECT_META_SCHEMA } from '../../admission/object-meta-schema.js';
import { goQuote } from '../../meta/go-format.js';
import { isJsonObject } from '../../patch/json.js';
import { fieldElement, keyElement, valueElement } from './path.js';

/** Undefined: nothing declared here, the value's own shape decides. */
export type Schema = JSONSchemaProps | undefined;

export type Structure =
  | { kind: 'leaf' }
  | { kind: 'map'; schema: Schema }
  | { kind: 'list'; itemSchema: Schema; keys: readonly string[] | 'set' };

export type ListStructure = Extract<Structure, { kind: 'list' }>;

const LEAF: Structure = { kind: 'leaf' };

// ObjectMeta as kube's schema for it declares its lists (finalizers `+listType=set`,
// ownerReferences `+listType=map` by uid); the kind files leave metadata open.
const METADATA_SCHEMA: JSONSchemaProps = {
  ...OBJECT_META_SCHEMA,
  properties: {
    ...OBJECT_META_SCHEMA.properties,
    finalizers: { ...OBJECT_META_SCHEMA.properties!.finalizers, 'x-kubernetes-list-type': 'set' },
    ownerReferences: { ...OBJECT_META_SCHEMA.properties!.ownerReferences, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['uid'] },
  },
};

const rootSchemas = new WeakMap<KindDefinition, JSONSchemaProps>();

/** The kind's schema with ObjectMeta in place of its open `metadata`. */
export function objectSchema(kind: KindDefinition): JSONSchemaProps {
  let schema = rootSchemas.get(kind);
  if (!schema) {
    schema = { ...kind.schema, properties: { ...kind.schema.properties, metadata: METADATA_SCHEMA } };
    rootSchemas.set(kind, schema);
  }
  return schema;
}

function declaredShape(schema: Schema): 'list' | 'map' | 'scalar' | undefined {
  if (!schema) return undefined;
  if (schema.type === 'array' || schema.items) return 'list';
  if (schema.type === 'object' || schema.properties || schema.additionalProperties !== undefined) return 'map';
  if (schema.type || schema['x-kubernetes-int-or-string']) return 'scalar';
  return undefined;
}

/** The structure of a node holding `values` (absent and null values fit any structure). */
export function structureOf(schema: Schema, ...values: unknown[]): Structure {
  const present = values.filter((v) => v !== undefined && v !== null);
  const shape = declaredShape(schema) ?? (present.length > 0 && present.every(isJsonObject) ? 'map' : 'scalar');
  if (shape === 'map') {
    if (!present.every(isJsonObject) || schema?.['x-kubernetes-map-type'] === 'atomic') return LEAF;
    return { kind: 'map', schema };
  }
  if (shape === 'list' && present.every(Array.isArray)) {
    const listType = schema?.['x-kubernetes-list-type'];
    const keys = schema?.['x-kubernetes-list-map-keys'];
    if (listType === 'set') return { kind: 'list', itemSchema: schema?.items, keys: 'set' };
    if (listType === 'map' && keys?.length) return { kind: 'list', itemSchema: schema?.items, keys };
  }
  return LEAF;
}

/** A map field's schema, and whether it is a named struct field (rather than a map key). */
export function fieldOf(mapSchema: Schema, name: string): { element: string; schema: Schema; named: boolean } {
  const element = fieldElement(name);
  const properties = mapSchema?.properties;
  if (properties && Object.hasOwn(properties, name)) return { element, schema: properties[name], named: true };
  const additional = mapSchema?.additionalProperties;
  return { element, schema: typeof additional === 'object' ? additional : undefined, named: false };
}

/** The path element of a list item, or why it has none (structured-merge-diff's wording). */
export function itemElement(item: unknown, list: ListStructure): { element: string } | { error: string } {
  if (list.keys === 'set') {
    if (item === null) return { error: "associative list without keys has an element that's an explicit null" };
    if (isJsonObject(item)) return { error: "associative list without keys has an element that's a map type" };
    if (Array.isArray(item)) return { error: 'not supported: associative list with lists as elements' };
    return { element: valueElement(item) };
  }
  if (item === null) return { error: 'associative list with keys may not have a null element' };
  if (!isJsonObject(item)) return { error: 'associative list with keys may not have non-map elements' };
  const keyFields: Record<string, unknown> = {};
  for (const key of list.keys) {
    const value = Object.hasOwn(item, key) ? item[key] : list.itemSchema?.properties?.[key]?.default;
    if (value === undefined) return { error: `associative list with keys has an element that omits key field ${goQuote(key)} (and doesn't have default value)` };
    keyFields[key] = value;
  }
  return { element: keyElement(keyFields) };
}

/**
 * The list's items by element, in list order, first occurrence winning; undefined when
 * an item has no element, in which case the list can only be handled as a whole.
 */
export function indexItems(list: readonly unknown[], structure: ListStructure): Map<string, unknown> | undefined {
  const items = new Map<string, unknown>();
  for (const item of list) {
    const id = itemElement(item, structure);
    if ('error' in id) return undefined;
    if (!items.has(id.element)) items.set(id.element, item);
  }
  return items;
}

function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isJsonObject(value) && Object.keys(value).length === 0;
}

/**
 * The structure two values of one node share. Two empty values are compared and merged
 * as leaves (which keeps `{}` apart from absent), and so is a list whose items are not
 * all identifiable (only data stored before its list-type was declared can be so).
 */
export function sharedStructure(schema: Schema, a: unknown, b: unknown): Structure {
  const structure = structureOf(schema, a, b);
  if (structure.kind === 'leaf' || (isEmptyValue(a) && isEmptyValue(b))) return LEAF;
  if (structure.kind === 'list' && [a, b].some((v) => Array.isArray(v) && !indexItems(v, structure))) return LEAF;
  return structure;
}

/** A map's own entry (never one inherited from Object.prototype, such as `__proto__`). */
export function ownValue(map: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(map, name) ? map[name] : undefined;
}

