// The fields a value sets (structured-merge-diff's ToFieldSet): every leaf, every map key,
// every list item, and named fields only where they are empty or null (otherwise their
// leaves say it). This is what an applier owns, and what last-applied says CSA owned.
import { isJsonObject } from '../../patch/json.js';
import { FieldSet } from './field-set.js';
import type { Path } from './path.js';
import { fieldOf, indexItems, structureOf, type Schema } from './structure.js';

export function fieldSetOf(value: unknown, schema: Schema): FieldSet {
  const set = FieldSet.of();
  collect(value, schema, [], set);
  return set;
}

function collect(value: unknown, schema: Schema, path: Path, set: FieldSet): void {
  const structure = structureOf(schema, value);
  if (structure.kind === 'leaf') {
    set.insert(path);
  } else if (structure.kind === 'map') {
    if (!isJsonObject(value)) return;
    for (const [name, child] of Object.entries(value)) {
      if (child === undefined) continue;
      const field = fieldOf(structure.schema, name);
      const childPath = [...path, field.element];
      collect(child, field.schema, childPath, set);
      if (!field.named || child === null || (isJsonObject(child) && Object.keys(child).length === 0)) set.insert(childPath);
    }
  } else if (Array.isArray(value)) {
    const items = indexItems(value, structure);
    if (!items) {
      set.insert(path);
      return;
    }
    for (const [element, item] of items) {
      collect(item, structure.itemSchema, [...path, element], set);
      set.insert([...path, element]);
    }
  }
}
