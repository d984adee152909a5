// Strategic merge patch (`application/strategic-merge-patch+json`), with the semantics
// of apimachinery's strategicpatch as kube-apiserver applies it:
//
// * maps merge recursively and `null` deletes a key;
// * lists follow the schema (see patch-schema.ts): merged by key, merged as a set, or
//   replaced whole;
// * directives: `$patch: replace | delete | merge` on a map or inside a list,
//   `$retainKeys`, `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`.
//
// Order of merged lists is kube's: elements named by the patch (or by
// `$setElementOrder`) keep the patch's order, elements only the live object has keep
// theirs, and the two runs are interleaved by live position. A patch that only adds
// elements therefore puts them first, as kubectl users see with kube-apiserver.
import { deepCopy } from '../api/object.js';
import { badRequest } from '../meta/status.js';
import { identityOf, isJsonObject, setKey, type JsonObject, type JsonValue } from './json.js';
import { fieldSchema, listStrategy, replacesMap, withObjectMeta, type PatchSchema } from './patch-schema.js';

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';
const SET_ELEMENT_ORDER = '$setElementOrder/';

/**
 * Returns the patched document; neither argument is modified or shared with the result.
 * `schema` is the kind's OpenAPI v3 schema; ObjectMeta's patch markers are built in.
 */
export function applyStrategicMergePatch(doc: unknown, patch: unknown, schema: PatchSchema | undefined): JsonObject {
  if (!isJsonObject(patch)) throw badRequest('a strategic merge patch must be a JSON object');
  // Cloning once up front lets everything below reuse subtrees without aliasing the caller's values.
  const original = deepCopy(isJsonObject(doc) ? doc : {});
  return mergeObject(original, deepCopy(patch), withObjectMeta(schema), '');
}

function mergeValue(original: JsonValue | undefined, patch: JsonValue, schema: PatchSchema | undefined, path: string, order?: JsonValue[]): JsonValue {
  if (isJsonObject(patch)) {
    const base = isJsonObject(original) && !replacesMap(schema) ? original : undefined;
    return mergeObject(base, patch, schema, path);
  }
  if (Array.isArray(patch)) return mergeList(Array.isArray(original) ? original : undefined, patch, schema, path, order);
  return patch;
}

/** What a patch value means with nothing to merge into: its directives applied, its nulls dropped. */
function cleanValue(patch: JsonValue, schema: PatchSchema | undefined, path: string): JsonValue {
  return mergeValue(undefined, patch, schema, path);
}

function mergeObject(original: JsonObject | undefined, patch: JsonObject, schema: PatchSchema | undefined, path: string): JsonObject {
  if (Object.hasOwn(patch, PATCH)) {
    const directive = patch[PATCH];
    if (directive === 'delete') return {};
    if (directive === 'replace') return mergeObject(undefined, withoutKey(patch, PATCH), schema, path);
    if (directive !== 'merge') throw unknownDirective(directive, path);
  }
  let result: JsonObject = { ...original };
  if (Object.hasOwn(patch, RETAIN_KEYS)) result = retainKeys(result, patch, path);

  const orders = new Map<string, JsonValue[]>();
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      deleteFromPrimitiveList(result, key.slice(DELETE_FROM_PRIMITIVE_LIST.length), value, join(path, key));
    } else if (key.startsWith(SET_ELEMENT_ORDER)) {
      if (!Array.isArray(value)) throw invalidPatch(join(path, key), 'must be a list');
      orders.set(key.slice(SET_ELEMENT_ORDER.length), value);
    }
  }

  for (const [key, value] of Object.entries(patch)) {
    if (isDirective(key)) continue;
    if (value === null) delete result[key];
    else setKey(result, key, mergeValue(Object.hasOwn(result, key) ? result[key] : undefined, value, fieldSchema(schema, key), join(path, key), orders.get(key)));
  }

  // `$setElementOrder` alone reorders a live list the patch does not otherwise touch.
  for (const [field, order] of orders) {
    const live = result[field];
    const listSchema = fieldSchema(schema, field);
    if (Object.hasOwn(patch, field) || !Array.isArray(live) || listStrategy(listSchema).kind === 'replace') continue;
    setKey(result, field, mergeList(live, [], listSchema, join(path, field), order));
  }
  return result;
}

function isDirective(key: string): boolean {
  return key === PATCH || key === RETAIN_KEYS || key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER);
}

/** `$retainKeys` drops every live field it does not list; the patch itself may only set listed fields. */
function retainKeys(result: JsonObject, patch: JsonObject, path: string): JsonObject {
  const retained = patch[RETAIN_KEYS];
  if (!Array.isArray(retained) || !retained.every((k) => typeof k === 'string')) {
    throw invalidPatch(join(path, RETAIN_KEYS), 'must be a list of field names');
  }
  for (const [key, value] of Object.entries(patch)) {
    if (!isDirective(key) && value !== null && !retained.includes(key)) {
      throw invalidPatch(path, `field ${JSON.stringify(key)} is set but not listed in ${RETAIN_KEYS}`);
    }
  }
  return Object.fromEntries(Object.entries(result).filter(([key]) => retained.includes(key)));
}

function deleteFromPrimitiveList(result: JsonObject, field: string, doomed: JsonValue, path: string): void {
  if (!Array.isArray(doomed) || doomed.some((v) => typeof v === 'object' && v !== null)) {
    throw invalidPatch(path, 'must be a list of primitive values');
  }
  const live = result[field];
  if (!Array.isArray(live)) return;
  const ids = new Set(doomed.map(identityOf));
  setKey(result, field, live.filter((v) => !ids.has(identityOf(v))));
}

function mergeList(original: JsonValue[] | undefined, patch: JsonValue[], schema: PatchSchema | undefined, path: string, order?: JsonValue[]): JsonValue[] {
  const strategy = listStrategy(schema);
  const itemSchema = schema?.items;
  const { elements, deletions, replace } = splitElements(patch, path);

  if (strategy.kind === 'replace' || replace) {
    if (strategy.kind === 'replace' && deletions.length) throw invalidPatch(path, `${PATCH}: delete needs a list that merges by key`);
    return elements.map((e, i) => cleanValue(e, itemSchema, `${path}[${i}]`));
  }

  if (strategy.kind === 'set') {
    if (deletions.length) throw invalidPatch(path, `${PATCH}: delete needs a list that merges by key; use ${DELETE_FROM_PRIMITIVE_LIST}`);
    const added = elements.map((e, i) => cleanValue(e, itemSchema, `${path}[${i}]`));
    const merged = uniqueBy([...(original ?? []), ...added], identityOf);
    return ordered(merged, order ?? added, original ?? [], identityOf);
  }

  const keyOf = (element: JsonValue) => mergeKeyOf(element, strategy.keys);
  const requireKey = (element: JsonValue, at: string) => {
    const key = keyOf(element);
    if (key === undefined) throw invalidPatch(at, `must be an object with the merge key ${strategy.keys.map((k) => JSON.stringify(k)).join(', ')}`);
    return key;
  };
  let merged = [...(original ?? [])];
  for (const deletion of deletions) {
    const key = requireKey(deletion, path);
    merged = merged.filter((e) => keyOf(e) !== key);
  }
  elements.forEach((element, i) => {
    const key = requireKey(element, `${path}[${i}]`);
    const at = merged.findIndex((e) => keyOf(e) === key);
    const base = at >= 0 ? (merged[at] as JsonObject) : undefined;
    const result = mergeObject(base, element as JsonObject, itemSchema, `${path}[${i}]`);
    if (at >= 0) merged[at] = result;
    else merged.push(result);
  });
  return ordered(merged, order ?? elements, original ?? [], keyOf);
}

/** Separates `{"$patch": ...}` elements from the list's ordinary elements. */
function splitElements(patch: JsonValue[], path: string) {
  const elements: JsonValue[] = [];
  const deletions: JsonValue[] = [];
  let replace = false;
  patch.forEach((element, i) => {
    if (!isJsonObject(element) || !Object.hasOwn(element, PATCH)) {
      elements.push(element);
      return;
    }
    const directive = element[PATCH];
    if (directive === 'replace') replace = true;
    else if (directive === 'delete') deletions.push(element);
    else if (directive === 'merge') elements.push(withoutKey(element, PATCH));
    else throw unknownDirective(directive, `${path}[${i}]`);
  });
  return { elements, deletions, replace };
}

/** The identity of a keyed list element: the values of all its merge keys. */
function mergeKeyOf(element: JsonValue, keys: string[]): string | undefined {
  if (!isJsonObject(element) || !keys.every((k) => Object.hasOwn(element, k))) return undefined;
  return identityOf(keys.map((k) => element[k]));
}

/**
 * Orders a merged list as kube does: elements named in `preferred` in that order, the
 * others in `live` order, the two runs interleaved by position in `live`.
 */
function ordered(merged: JsonValue[], preferred: JsonValue[], live: JsonValue[], identity: (v: JsonValue) => string | undefined): JsonValue[] {
  const rank = (list: JsonValue[]) => {
    const ranks = new Map<string, number>();
    list.forEach((v, i) => {
      const id = identity(v);
      if (id !== undefined && !ranks.has(id)) ranks.set(id, i);
    });
    return ranks;
  };
  const preferredRank = rank(preferred);
  const liveRank = rank(live);
  const items = merged.map((value) => {
    const id = identity(value);
    return { value, preferred: id === undefined ? undefined : preferredRank.get(id), live: id === undefined ? undefined : liveRank.get(id) };
  });
  const last = Number.MAX_SAFE_INTEGER;
  const named = items.filter((e) => e.preferred !== undefined).sort((a, b) => a.preferred! - b.preferred!);
  const liveOnly = items.filter((e) => e.preferred === undefined).sort((a, b) => (a.live ?? last) - (b.live ?? last));

  const result: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < liveOnly.length || j < named.length) {
    const l = liveOnly[i];
    const n = named[j];
    const liveFirst = l && (!n || (l.live !== undefined && n.live !== undefined && l.live < n.live));
    if (liveFirst) {
      result.push(l.value);
      i++;
    } else {
      result.push(n!.value);
      j++;
    }
  }
  return result;
}

/** The first of each group of equal values. */
function uniqueBy(values: JsonValue[], identity: (v: JsonValue) => string): JsonValue[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const id = identity(v);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function withoutKey(object: JsonObject, key: string): JsonObject {
  return Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function unknownDirective(directive: JsonValue | undefined, path: string) {
  return invalidPatch(path, `unknown ${PATCH} directive ${JSON.stringify(directive)}; expected "replace", "delete" or "merge"`);
}

function invalidPatch(path: string, reason: string) {
  return badRequest(`invalid strategic merge patch${path ? ` at ${path}` : ''}: ${reason}`);
}
