// The kind definitions as data, read from openapi/<group>/<version>/<plural>.yaml.
// Everything kind-specific in the server (validation, defaulting, discovery, tables,
// published OpenAPI, generated types) comes from these definitions, never from code.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { projectRoot } from './project-root.js';
import { z } from 'zod';

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  optionalOldSelf?: boolean;
}

/** The subset of the OpenAPI v3 structural schema that CustomResourceDefinitions use. */
export interface JSONSchemaProps {
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
  format?: string;
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  items?: JSONSchemaProps;
  additionalProperties?: boolean | JSONSchemaProps;
  // controller-gen emits enums of named string types both directly and inside allOf.
  allOf?: JSONSchemaProps[];
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  nullable?: boolean;
  'x-kubernetes-validations'?: ValidationRule[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
}

export interface KindDefinition {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  scope: 'Namespaced' | 'Cluster';
  hasStatus: boolean;
  printerColumns: PrinterColumn[];
  /** The openAPIV3Schema of the kind. */
  schema: JSONSchemaProps;
}

const count = z.number().int().nonnegative();

const validationRule = z.strictObject({
  rule: z.string().min(1),
  message: z.string().optional(),
  messageExpression: z.string().optional(),
  fieldPath: z.string().optional(),
  reason: z.enum(['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate']).optional(),
  optionalOldSelf: z.boolean().optional(),
});

// Strict, so a misspelt keyword is an error instead of a silently missing constraint.
const jsonSchemaProps: z.ZodType<JSONSchemaProps> = z.lazy(() =>
  z.strictObject({
    type: z.enum(['string', 'integer', 'number', 'boolean', 'array', 'object']).optional(),
    format: z.string().optional(),
    description: z.string().optional(),
    properties: z.record(z.string(), jsonSchemaProps).optional(),
    items: jsonSchemaProps.optional(),
    additionalProperties: z.union([z.boolean(), jsonSchemaProps]).optional(),
    allOf: z.array(jsonSchemaProps).optional(),
    required: z.array(z.string()).optional(),
    enum: z.array(z.unknown()).optional(),
    default: z.unknown().optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    exclusiveMinimum: z.boolean().optional(),
    exclusiveMaximum: z.boolean().optional(),
    minLength: count.optional(),
    maxLength: count.optional(),
    minItems: count.optional(),
    maxItems: count.optional(),
    pattern: z.string().optional(),
    nullable: z.boolean().optional(),
    'x-kubernetes-validations': z.array(validationRule).optional(),
    'x-kubernetes-list-type': z.enum(['atomic', 'set', 'map']).optional(),
    'x-kubernetes-list-map-keys': z.array(z.string()).optional(),
    'x-kubernetes-map-type': z.enum(['atomic', 'granular']).optional(),
    'x-kubernetes-preserve-unknown-fields': z.boolean().optional(),
    'x-kubernetes-int-or-string': z.boolean().optional(),
    'x-kubernetes-embedded-resource': z.boolean().optional(),
  }),
);

const kindFile = z.strictObject({
  group: z.string().min(1),
  version: z.string().min(1),
  scope: z.enum(['Namespaced', 'Cluster']),
  names: z.strictObject({
    kind: z.string().min(1),
    listKind: z.string().min(1),
    plural: z.string().min(1),
    singular: z.string().min(1),
    shortNames: z.array(z.string().min(1)),
    categories: z.array(z.string().min(1)),
  }),
  subresources: z.strictObject({ status: z.strictObject({}).optional() }),
  additionalPrinterColumns: z.array(
    z.strictObject({
      name: z.string().min(1),
      type: z.enum(['integer', 'number', 'string', 'boolean', 'date']),
      jsonPath: z.string().min(1),
      description: z.string().optional(),
      priority: count.optional(),
      format: z.string().optional(),
    }),
  ),
  schema: z.strictObject({ openAPIV3Schema: jsonSchemaProps }),
});

/** Reads every kind under `dir` (default: the project's openapi/), sorted by group then kind. */
export function loadKinds(dir: string = projectOpenapiDir()): KindDefinition[] {
  const kinds = kindFiles(dir).map((file) => {
    try {
      return readKind(file, relative(dir, file));
    } catch (err) {
      throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  });
  const seen = new Set<string>();
  for (const k of kinds) {
    const id = `${k.kind}.${k.group}/${k.version}`;
    if (seen.has(id)) throw new Error(`${dir}: kind ${id} is defined more than once`);
    seen.add(id);
  }
  return kinds.sort((a, b) => compare(a.group, b.group) || compare(a.kind, b.kind));
}

export function groupVersions(kinds: KindDefinition[]): { group: string; version: string; kinds: KindDefinition[] }[] {
  const byGroupVersion = new Map<string, { group: string; version: string; kinds: KindDefinition[] }>();
  for (const k of kinds) {
    const key = `${k.group}/${k.version}`;
    const entry = byGroupVersion.get(key) ?? { group: k.group, version: k.version, kinds: [] };
    entry.kinds.push(k);
    byGroupVersion.set(key, entry);
  }
  return [...byGroupVersion.values()];
}

function readKind(file: string, pathInDir: string): KindDefinition {
  const parsed = kindFile.safeParse(parseYaml(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`malformed kind definition:\n${z.prettifyError(parsed.error)}`);
  const { group, version, scope, names, subresources, additionalPrinterColumns, schema } = parsed.data;
  // The path is how people find a kind, so it must agree with what the file declares.
  const expectedPath = join(group, version, `${names.plural}.yaml`);
  if (pathInDir !== expectedPath) throw new Error(`declares ${names.kind} of ${group}/${version}, so it belongs at ${expectedPath}`);
  return {
    group,
    version,
    ...names,
    scope,
    hasStatus: subresources.status !== undefined,
    printerColumns: additionalPrinterColumns,
    schema: schema.openAPIV3Schema,
  };
}

// Only <group>/<version>/*.yaml are kind files; other files at the top level (such as
// published OpenAPI documents) are not.
function kindFiles(dir: string): string[] {
  const subdirs = (parent: string) => readdirSync(parent).map((name) => join(parent, name)).filter((p) => statSync(p).isDirectory());
  return subdirs(dir)
    .flatMap(subdirs)
    .flatMap((versionDir) => readdirSync(versionDir).filter((name) => name.endsWith('.yaml')).map((name) => join(versionDir, name)));
}

function projectOpenapiDir(): string {
  return join(projectRoot(), 'openapi');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
