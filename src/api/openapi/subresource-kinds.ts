// The kinds that custom subresources speak (AddressAllocation for `vpcs/allocate`, say),
// read from openapi/subresources/<group>/<version>/<kind>.yaml. They are not served kinds
// (nothing stores them), but clients must find them in the published documents as they
// find autoscaling/v1 Scale: a file that says where it is served (`servedAt`) publishes
// the operations of that subresource and the schemas they refer to.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { JSONSchemaProps } from '../kinds.js';
import { projectRoot } from '../project-root.js';
import type { ParameterSpec } from './parameters.js';

export type SubresourceMethod = 'get' | 'post' | 'delete';

export interface SubresourceOperation {
  method: SubresourceMethod;
  description: string;
  /** The kind of the request body, when there is one. */
  request?: string;
  /** HTTP status code → kind answered (`Status` is metav1.Status). */
  responses: Record<string, string>;
  parameters: ParameterSpec[];
}

export interface SubresourceKind {
  group: string;
  version: string;
  kind: string;
  listKind?: string;
  schema: JSONSchemaProps;
  servedAt?: {
    /** The plural of the kind the subresource belongs to. */
    resource: string;
    subresource: string;
    operations: SubresourceOperation[];
  };
}

const parameter = z.strictObject({
  name: z.string().min(1),
  type: z.enum(['string', 'integer', 'boolean']),
  description: z.string().min(1),
});

// The schema itself is checked as the kinds' are where it is used (admission's validator);
// here it is taken as written.
const subresourceFile = z.strictObject({
  group: z.string().min(1),
  version: z.string().min(1),
  names: z.strictObject({ kind: z.string().min(1), listKind: z.string().min(1).optional() }),
  servedAt: z
    .strictObject({
      resource: z.string().min(1),
      subresource: z.string().min(1),
      operations: z.array(
        z.strictObject({
          method: z.enum(['get', 'post', 'delete']),
          description: z.string().min(1),
          request: z.string().min(1).optional(),
          responses: z.record(z.string().regex(/^\d{3}$/), z.string().min(1)),
          parameters: z.array(parameter).default([]),
        }),
      ),
    })
    .optional(),
  schema: z.strictObject({ openAPIV3Schema: z.record(z.string(), z.unknown()) }),
});

export function subresourcesDir(): string {
  return join(projectRoot(), 'openapi', 'subresources');
}

/** Every subresource kind under `dir`, sorted by group, version and kind. */
export function loadSubresourceKinds(dir: string = subresourcesDir()): SubresourceKind[] {
  if (!existsSync(dir)) return [];
  const subdirs = (parent: string) => readdirSync(parent).map((name) => join(parent, name)).filter((p) => statSync(p).isDirectory());
  const files = subdirs(dir)
    .flatMap(subdirs)
    .flatMap((versionDir) => readdirSync(versionDir).filter((name) => name.endsWith('.yaml')).map((name) => join(versionDir, name)));
  return files
    .map((file) => readSubresourceKind(file))
    .sort((a, b) => [a.group, a.version, a.kind].join('/').localeCompare([b.group, b.version, b.kind].join('/')));
}

function readSubresourceKind(file: string): SubresourceKind {
  const parsed = subresourceFile.safeParse(parseYaml(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: malformed subresource kind:\n${z.prettifyError(parsed.error)}`);
  const { group, version, names, servedAt, schema } = parsed.data;
  return {
    group,
    version,
    kind: names.kind,
    ...(names.listKind && { listKind: names.listKind }),
    schema: schema.openAPIV3Schema as JSONSchemaProps,
    ...(servedAt && {
      servedAt: { ...servedAt, operations: servedAt.operations.map((o) => ({ ...o, parameters: o.parameters.map((p) => ({ ...p, in: 'query' as const })) })) },
    }),
  };
}

/** The schema of one subresource kind, for the code that serves it. */
export function subresourceKind(group: string, version: string, kind: string): SubresourceKind {
  const found = loadSubresourceKinds().find((k) => k.group === group && k.version === version && k.kind === kind);
  if (!found) throw new Error(`no subresource kind ${kind}.${group}/${version} under ${subresourcesDir()}`);
  return found;
}
