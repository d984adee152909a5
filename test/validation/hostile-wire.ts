// How the hostile tests put a change to a stored object on the wire, in each way a
// client can write it: create, replace, merge / strategic merge / JSON patch, server-side
// apply, main resource or /status, JSON or YAML. Values JSON.stringify cannot write
// (numbers beyond 2^63, invalid UTF-8, 10,000 levels of nesting, repeated keys) travel
// as Raw bytes spliced into the JSON text.
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { stringify as toYaml } from 'yaml';
import type { KubeObject } from '../../src/api/object.js';
import { setAt } from '../admission/schema-walk.js';
import { pathOf } from './api.js';

/** A seeded source of choices, so that a failure names a body that can be made again. */
export class Random {
  private readonly rng: RandomGenerator;

  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed);
  }

  int(from: number, to: number): number {
    return uniformInt(this.rng, from, to);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
}

/** Bytes that stand in a JSON body verbatim where a value goes. */
export class Raw {
  readonly bytes: Buffer;

  constructor(bytes: string | Buffer) {
    this.bytes = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  }
}

// JSON.stringify writes U+0000 as the six characters \u0000, which no other value produces here.
const PLACEHOLDER = /"\\u0000raw(\d+)\\u0000"/g;

/** The value as JSON text, with each Raw spliced in as its bytes. */
export function jsonBytes(value: unknown): Buffer {
  const raws: Raw[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof Raw ? `\u0000raw${raws.push(v) - 1}\u0000` : v));
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    parts.push(Buffer.from(text.slice(last, m.index)), raws[Number(m[1])]!.bytes);
    last = m.index + m[0].length;
  }
  parts.push(Buffer.from(text.slice(last)));
  return Buffer.concat(parts);
}

function containsRaw(value: unknown): boolean {
  if (value instanceof Raw) return true;
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some(containsRaw);
}

/** Block-style YAML; JSON text (which YAML reads too) when Raw bytes must go in. */
function yamlBytes(value: unknown): Buffer {
  return containsRaw(value) ? jsonBytes(value) : Buffer.from(toYaml(value, { lineWidth: 0, aliasDuplicateObjects: false }));
}

export type Transport = 'POST' | 'POST yaml' | 'PUT' | 'PUT yaml' | 'merge' | 'strategic' | 'json-patch' | 'apply';

/** Writes to /status cannot create, and a PUT or patch of the main resource ignores status. */
export const SPEC_TRANSPORTS: readonly Transport[] = ['POST', 'POST yaml', 'PUT', 'PUT yaml', 'merge', 'strategic', 'json-patch', 'apply'];
export const STATUS_TRANSPORTS: readonly Transport[] = ['PUT', 'PUT yaml', 'merge', 'strategic', 'json-patch', 'apply'];

export const transportsFor = (keys: readonly (string | number)[]) => (keys[0] === 'status' ? STATUS_TRANSPORTS : SPEC_TRANSPORTS);

const PATCH_TYPES: Partial<Record<Transport, string>> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  'json-patch': 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface WireRequest {
  method: string;
  path: string;
  contentType: string;
  body: Buffer;
}

/** One change: `value` (which may hold Raw bytes) at `keys` of a stored object; [] replaces the whole object. */
export interface Change {
  /** The object as its client wrote it (no server-set fields). */
  base: KubeObject;
  /** The resourceVersion the server holds for it. */
  resourceVersion: string;
  keys: (string | number)[];
  value: unknown;
}

export interface WireOptions {
  /** The name a create uses, so that it never collides with a stored object. */
  freshName: string;
  /** Query parameters, e.g. `fieldValidation=Strict`. */
  query?: string;
  /** JSON text even where the transport would send YAML (so that every prefix of it is malformed). */
  json?: boolean;
}

function changed(object: KubeObject, change: Change): KubeObject {
  if (change.keys.length === 0) return change.value as KubeObject;
  const copy = structuredClone(object);
  setAt(copy, change.keys, change.value);
  return copy;
}

function pointer(keys: readonly (string | number)[]): string {
  return keys.map((k) => `/${String(k).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** The request that makes `change` through `transport`. */
export function onTheWire(change: Change, transport: Transport, opts: WireOptions): WireRequest {
  const { base } = change;
  const top = change.keys[0];
  const subresource = top === 'status' ? 'status' : undefined;
  const objectPath = pathOf(base, { name: base.metadata.name, subresource });
  const withQuery = (path: string, query?: string) => (query ? `${path}${path.includes('?') ? '&' : '?'}${query}` : path);
  const encode = (value: unknown, yaml: boolean) => (yaml && !opts.json ? yamlBytes(value) : jsonBytes(value));
  // The part of the object a patch carries: the top-level field changed, or all of it.
  const patchOf = (object: KubeObject) => (top === undefined ? object : { [top]: object[top] });

  const request = (method: string, path: string, contentType: string, body: Buffer): WireRequest => ({
    method,
    path: withQuery(path, opts.query),
    contentType,
    body,
  });

  switch (transport) {
    case 'POST':
    case 'POST yaml': {
      const fresh = { ...structuredClone(base), metadata: { ...structuredClone(base.metadata), name: opts.freshName } };
      return request('POST', pathOf(base), transport === 'POST' ? 'application/json' : 'application/yaml', encode(changed(fresh, change), transport === 'POST yaml'));
    }
    case 'PUT':
    case 'PUT yaml': {
      const current = { ...structuredClone(base), metadata: { ...structuredClone(base.metadata), resourceVersion: change.resourceVersion } };
      return request('PUT', objectPath, transport === 'PUT' ? 'application/json' : 'application/yaml', encode(changed(current, change), transport === 'PUT yaml'));
    }
    case 'merge':
    case 'strategic':
      return request('PATCH', objectPath, PATCH_TYPES[transport]!, jsonBytes(patchOf(changed(base, change))));
    case 'json-patch':
      return request('PATCH', objectPath, PATCH_TYPES[transport]!, jsonBytes([{ op: 'replace', path: pointer(change.keys), value: change.value }]));
    case 'apply': {
      const identity = { apiVersion: base.apiVersion, kind: base.kind, metadata: { name: base.metadata.name, namespace: base.metadata.namespace } };
      const applied = top === undefined ? changed(base, change) : { ...identity, ...patchOf(changed(base, change)) };
      return request('PATCH', withQuery(objectPath, 'fieldManager=hostile&force=true'), PATCH_TYPES.apply!, encode(applied, true));
    }
  }
}
