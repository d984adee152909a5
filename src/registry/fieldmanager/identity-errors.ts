// Whether every set and list-map item of a value can be told apart: structured-merge-diff
// refuses an applied object whose keyed items lack a key field or repeat (it could not
// say which live item each one means), with these messages.
import { isJsonObject } from '../../patch/json.js';
import { describePath, type Path } from './path.js';
import { fieldOf, itemElement, structureOf, type Schema } from './structure.js';

export function identityErrors(value: unknown, schema: Schema): string[] {
  const errors: string[] = [];
  walk(value, schema, [], errors);
  return errors;
}

function walk(value: unknown, schema: Schema, path: Path, errors: string[]): void {
  const structure = structureOf(schema, value);
  if (structure.kind === 'map' && isJsonObject(value)) {
    for (const [name, child] of Object.entries(value)) {
      const field = fieldOf(structure.schema, name);
      walk(child, field.schema, [...path, field.element], errors);
    }
  } else if (structure.kind === 'list' && Array.isArray(value)) {
    const seen = new Set<string>();
    value.forEach((item, i) => {
      const id = itemElement(item, structure);
      if ('error' in id) {
        errors.push(`${describePath(path)}: element ${i}: ${id.error}`);
      } else if (seen.has(id.element)) {
        errors.push(`${describePath(path)}: duplicate entries for key ${describePath([id.element])}`);
      } else {
        seen.add(id.element);
        walk(item, structure.itemSchema, [...path, id.element], errors);
      }
    });
  }
}
