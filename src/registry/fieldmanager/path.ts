// Path elements as FieldsV1 spells them (structured-merge-diff's PathElement):
//
//   f:<name>   a struct field or a map key
//   k:<json>   an item of a list-type=map list, by the JSON object of its key fields
//   v:<json>   an item of a list-type=set list, by its JSON value
//   i:<n>      an item of a list without identity (never produced here: such lists are atomic)
//
// Elements stay in this text form everywhere, so a path is a string[] and two equal
// elements are equal strings; parseElement brings foreign text to the canonical form.
import { goNumber, goQuote } from '../../meta/go-format.js';
import { isJsonObject } from '../../patch/json.js';
import { compareUtf8, goJson } from './go-json.js';

export type Path = readonly string[];

export function fieldElement(name: string): string {
  return `f:${name}`;
}

/** `keyFields` are the item's list-map keys with their values; goJson sorts them by name. */
export function keyElement(keyFields: Record<string, unknown>): string {
  return `k:${goJson(keyFields)}`;
}

export function valueElement(value: unknown): string {
  return `v:${goJson(value)}`;
}

type Parsed =
  | { type: 0; field: string }
  | { type: 1; key: [string, unknown][] }
  | { type: 2; value: unknown }
  | { type: 3; index: number };

function parse(element: string): Parsed {
  const prefix = element.slice(0, 2);
  const rest = element.slice(2);
  if (prefix === 'f:') return { type: 0, field: rest };
  if (prefix === 'i:' && /^(0|[1-9][0-9]*)$/.test(rest)) return { type: 3, index: Number(rest) };
  if (prefix === 'k:' || prefix === 'v:') {
    let json: unknown;
    try {
      json = JSON.parse(rest);
    } catch {
      throw new Error(`invalid path element ${JSON.stringify(element)}: not JSON after ${prefix}`);
    }
    if (prefix === 'v:') return { type: 2, value: json };
    if (!isJsonObject(json)) throw new Error(`invalid path element ${JSON.stringify(element)}: k: needs a JSON object`);
    return { type: 1, key: Object.entries(json).sort(([a], [b]) => compareUtf8(a, b)) };
  }
  throw new Error(`invalid path element ${JSON.stringify(element)}`);
}

/** The canonical text of an element written elsewhere (throws when it is not one). */
export function canonicalElement(element: string): string {
  const p = parse(element);
  if (p.type === 1) return keyElement(Object.fromEntries(p.key));
  if (p.type === 2) return valueElement(p.value);
  return element;
}

/** structured-merge-diff's order: fields, then keys, values, indexes; FieldsV1 is written in it. */
export function compareElements(a: string, b: string): number {
  if (a === b) return 0;
  const pa = parse(a);
  const pb = parse(b);
  if (pa.type !== pb.type) return pa.type - pb.type;
  if (pa.type === 0) return compareUtf8(pa.field, (pb as typeof pa).field);
  if (pa.type === 3) return pa.index - (pb as typeof pa).index;
  if (pa.type === 2) return compareValues(pa.value, (pb as typeof pa).value);
  const kb = (pb as typeof pa).key;
  for (let i = 0; i < Math.min(pa.key.length, kb.length); i++) {
    const c = compareUtf8(pa.key[i]![0], kb[i]![0]) || compareValues(pa.key[i]![1], kb[i]![1]);
    if (c) return c;
  }
  return pa.key.length - kb.length;
}

// structured-merge-diff's value.Compare: numbers < strings < booleans < lists < maps < null.
function rank(v: unknown): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (isJsonObject(v)) return 4;
  return 5;
}

function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return (a as number) - (b as number);
  if (ra === 1) return compareUtf8(a as string, b as string);
  if (ra === 2) return Number(a) - Number(b);
  return compareUtf8(goJson(a), goJson(b));
}

/** A path as kube prints it in conflicts: `.spec.addressFamilies[afi="ipv4",safi="unicast"].safi`. */
export function describePath(path: Path): string {
  return path.map(describeElement).join('');
}

function describeElement(element: string): string {
  const p = parse(element);
  if (p.type === 0) return `.${p.field}`;
  if (p.type === 1) return `[${p.key.map(([k, v]) => `${k}=${goValue(v)}`).join(',')}]`;
  if (p.type === 2) return `[=${goValue(p.value)}]`;
  return `[${p.index}]`;
}

// structured-merge-diff's value.ToString.
function goValue(v: unknown): string {
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean' || v === null) return String(v);
  return goJson(v);
}
