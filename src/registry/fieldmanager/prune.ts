// What an applier stops applying goes away, unless someone else still owns it
// (structured-merge-diff's prune): a field, map entry or list item is removed when it was
// in the applier's previous set and is in no manager's current set, the applier's new
// one included. A named struct field counts as owned when anything below it is, so a
// struct survives while any of its fields is owned; a list item or map entry must be
// owned itself. Containers emptied by the removal are removed too.
import { isJsonObject, setKey, type JsonObject, type JsonValue } from '../../patch/json.js';
import type { FieldSet } from './field-set.js';
import { fieldOf, itemElement, structureOf, type Schema } from './structure.js';

/** `previous`: the applier's last set; `owned`: every manager's current sets together. */
export function prune(merged: unknown, schema: Schema, previous: FieldSet, owned: FieldSet): unknown {
  return pruneNode(merged, schema, previous, owned) ?? {};
}

/** Undefined when everything below a non-empty container was removed. */
function pruneNode(value: unknown, schema: Schema, previous: FieldSet, owned: FieldSet | undefined): unknown {
  const structure = structureOf(schema, value);
  if (structure.kind === 'map' && isJsonObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(value)) {
      const field = fieldOf(structure.schema, name);
      const kept = keep(child, field.element, field.named, field.schema, previous, owned);
      if (kept !== undefined) setKey(out as JsonObject, name, kept as JsonValue);
    }
    return Object.keys(value).length > 0 && Object.keys(out).length === 0 ? undefined : out;
  }
  if (structure.kind === 'list' && Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const id = itemElement(item, structure);
      const kept = 'error' in id ? item : keep(item, id.element, false, structure.itemSchema, previous, owned);
      if (kept !== undefined) out.push(kept);
    }
    return value.length > 0 && out.length === 0 ? undefined : out;
  }
  return value;
}

function keep(child: unknown, element: string, named: boolean, schema: Schema, previous: FieldSet, owned: FieldSet | undefined): unknown {
  const previousChild = previous.child(element);
  if (!previousChild) return child;
  const ownedChild = owned?.child(element);
  const wasApplied = named || previousChild.isMember;
  const stillOwned = ownedChild !== undefined && (named || ownedChild.isMember);
  if (wasApplied && !stillOwned) return undefined;
  return pruneNode(child, schema, previousChild, ownedChild);
}
