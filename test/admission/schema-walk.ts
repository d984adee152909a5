// Walks the reference CRDs' schemas node by node and finds, for each node, a concrete
// place in the coverage objects where a value for it exists: the generated tests perturb
// that value and nothing else.
import { join } from 'node:path';
import type { JSONSchemaProps } from '../../src/api/kinds.js';
import type { KubeObject } from '../../src/api/object.js';
import { readCrds } from '../api/crd-facts.js';
import { COVERAGE, REFERENCE_DIR } from './fixtures.js';

export type Step = { property: string } | { items: true } | { mapValues: true };

export interface SchemaNode {
  kind: string;
  steps: Step[];
  schema: JSONSchemaProps;
  /** The schema path, e.g. `spec.terms[*].match.vni`. */
  schemaPath: string;
}

// Type meta is the registry's to check, metadata is ObjectMeta's (tested on its own).
const NOT_WALKED = new Set(['apiVersion', 'kind', 'metadata']);

/** Every node of every reference CRD's schema below spec and status. */
export function referenceSchemaNodes(): SchemaNode[] {
  return readCrds(join(REFERENCE_DIR, 'crd')).flatMap(({ crd }) =>
    crd.spec.versions.flatMap((version) => {
      const root = version.schema.openAPIV3Schema as JSONSchemaProps;
      return Object.entries(root.properties ?? {})
        .filter(([name]) => !NOT_WALKED.has(name))
        .flatMap(([name, schema]) => [...walk(crd.spec.names.kind, [{ property: name }], schema)]);
    }),
  );
}

function* walk(kind: string, steps: Step[], schema: JSONSchemaProps): Generator<SchemaNode> {
  yield { kind, steps, schema, schemaPath: formatSteps(steps) };
  for (const [name, child] of Object.entries(schema.properties ?? {})) yield* walk(kind, [...steps, { property: name }], child);
  if (schema.items) yield* walk(kind, [...steps, { items: true }], schema.items);
  if (typeof schema.additionalProperties === 'object') yield* walk(kind, [...steps, { mapValues: true }], schema.additionalProperties);
}

function formatSteps(steps: Step[]): string {
  return steps.map((s) => ('property' in s ? `.${s.property}` : 'items' in s ? '[*]' : '[*]')).join('').slice(1);
}

export interface Instance {
  /** A deep copy of the coverage object holding the node. */
  object: KubeObject;
  /** Concrete keys and indexes from the object's root to the node. */
  keys: (string | number)[];
  /** The field path Kubernetes reports for the node, e.g. `spec.terms[0].match.vni`. */
  path: string;
}

/** The first place in the kind's coverage objects where the node has a value. */
export function findInstance(node: SchemaNode): Instance | undefined {
  for (const candidate of COVERAGE[node.kind] ?? []) {
    const keys = locate(candidate, node.steps);
    if (keys) return { object: structuredClone(candidate), keys, path: formatKeys(keys) };
  }
  return undefined;
}

function locate(value: unknown, steps: Step[]): (string | number)[] | undefined {
  if (steps.length === 0) return value === undefined ? undefined : [];
  const [step, ...rest] = steps as [Step, ...Step[]];
  const entries: [string | number, unknown][] =
    'property' in step
      ? typeof value === 'object' && value !== null && !Array.isArray(value) && step.property in value
        ? [[step.property, (value as Record<string, unknown>)[step.property]]]
        : []
      : 'items' in step
        ? Array.isArray(value)
          ? value.map((v, i) => [i, v] as [number, unknown])
          : []
        : typeof value === 'object' && value !== null
          ? Object.entries(value)
          : [];
  for (const [key, child] of entries) {
    const found = locate(child, rest);
    if (found) return [key, ...found];
  }
  return undefined;
}

function formatKeys(keys: (string | number)[]): string {
  return keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

export function getAt(object: unknown, keys: (string | number)[]): unknown {
  return keys.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], object);
}

export function setAt(object: unknown, keys: (string | number)[], value: unknown): void {
  const parent = getAt(object, keys.slice(0, -1)) as Record<string | number, unknown>;
  parent[keys.at(-1)!] = value;
}
