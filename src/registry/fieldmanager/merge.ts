// Merging an applied configuration into the live object (structured-merge-diff's Merge):
// the configuration's leaves win; granular maps merge key by key; set and list-map items
// merge by identity, in an order that follows the configuration for the items it names
// and keeps the live position of the others; atomic values are replaced whole.
import { isJsonObject, setKey, type JsonObject, type JsonValue } from '../../patch/json.js';
import { fieldOf, indexItems, ownValue, sharedStructure, type ListStructure, type Schema } from './structure.js';

export function merge(live: unknown, config: unknown, schema: Schema): unknown {
  if (config === undefined) return live;
  if (live === undefined) return config;
  const structure = sharedStructure(schema, live, config);
  if (structure.kind === 'leaf') return config;
  // A null in the configuration does not clear a non-empty granular value (as in kube).
  if (config === null) return live;
  if (structure.kind === 'map') {
    const base = isJsonObject(live) ? live : {};
    const patch = config as Record<string, unknown>;
    const out: Record<string, unknown> = { ...base };
    for (const [name, value] of Object.entries(patch)) setKey(out as JsonObject, name, merge(ownValue(base, name), value, fieldOf(structure.schema, name).schema) as JsonValue);
    return out;
  }
  return mergeList(Array.isArray(live) ? live : [], config as unknown[], structure);
}

// structured-merge-diff's ordering: walk both lists together; items only the live list
// has stay where they are, items the configuration names come in its order, and an item
// both name is emitted when the configuration's order reaches it.
function mergeList(live: unknown[], config: unknown[], structure: ListStructure): unknown[] {
  const lhs = indexItems(live, structure)!;
  const rhs = indexItems(config, structure)!;
  const lhsOrder = [...lhs.keys()];
  const rhsOrder = [...rhs.keys()];
  const shared = rhsOrder.filter((e) => lhs.has(e));
  let nextShared = 0;
  const merged = new Set<string>();
  const out: unknown[] = [];
  const mergeItem = (element: string) => {
    merged.add(element);
    out.push(merge(lhs.get(element), rhs.get(element), structure.itemSchema));
  };

  let l = 0;
  let r = 0;
  while (l < lhsOrder.length || r < rhsOrder.length) {
    if (l < lhsOrder.length && r < rhsOrder.length) {
      const element = lhsOrder[l]!;
      if (element === rhsOrder[r]) {
        mergeItem(element);
        l++;
        r++;
        nextShared++;
        continue;
      }
      if (rhs.has(element) && nextShared < shared.length && shared[nextShared] !== element) {
        l++; // a shared item the configuration wants later: it is emitted then
        continue;
      }
    }
    if (l < lhsOrder.length) {
      const element = lhsOrder[l]!;
      if (!rhs.has(element)) {
        out.push(lhs.get(element));
        l++;
        continue;
      }
      if (merged.has(element)) {
        l++;
        continue;
      }
    }
    if (r < rhsOrder.length) {
      const element = rhsOrder[r]!;
      mergeItem(element);
      r++;
      if (shared[nextShared] === element) nextShared++;
    }
  }
  return out;
}
