// What a write changed, field by field (structured-merge-diff's Compare): leaves added,
// modified or removed, plus every map entry or list item that appeared or disappeared as
// a whole. Whoever writes takes what was added or modified; what was removed is owned by
// nobody any more.
import { jsonEqual } from '../../api/object.js';
import { isJsonObject } from '../../patch/json.js';
import { FieldSet } from './field-set.js';
import type { Path } from './path.js';
import { fieldOf, indexItems, ownValue, sharedStructure, type Schema } from './structure.js';

export interface Changes {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

export function compare(before: unknown, after: unknown, schema: Schema): Changes {
  const changes = { added: FieldSet.of(), modified: FieldSet.of(), removed: FieldSet.of() };
  walk(before, after, schema, [], changes);
  return changes;
}

function walk(before: unknown, after: unknown, schema: Schema, path: Path, changes: Changes): void {
  const structure = sharedStructure(schema, before, after);
  if (structure.kind === 'leaf') {
    if (before === undefined) changes.added.insert(path);
    else if (after === undefined) changes.removed.insert(path);
    else if (!jsonEqual(before, after)) changes.modified.insert(path);
    return;
  }
  if (path.length > 0 && before === undefined) changes.added.insert(path);
  if (path.length > 0 && after === undefined) changes.removed.insert(path);

  if (structure.kind === 'map') {
    const b = isJsonObject(before) ? before : {};
    const a = isJsonObject(after) ? after : {};
    const member = (name: string) => {
      const [was, is] = [ownValue(b, name), ownValue(a, name)];
      if (was === undefined && is === undefined) return;
      const field = fieldOf(structure.schema, name);
      walk(was, is, field.schema, [...path, field.element], changes);
    };
    for (const name of Object.keys(b)) member(name);
    for (const name of Object.keys(a)) if (!Object.hasOwn(b, name)) member(name);
    return;
  }
  const b = Array.isArray(before) ? indexItems(before, structure)! : new Map<string, unknown>();
  const a = Array.isArray(after) ? indexItems(after, structure)! : new Map<string, unknown>();
  const item = (element: string) => walk(b.get(element), a.get(element), structure.itemSchema, [...path, element], changes);
  for (const element of b.keys()) item(element);
  for (const element of a.keys()) if (!b.has(element)) item(element);
}
