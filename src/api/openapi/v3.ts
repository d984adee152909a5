// OpenAPI v3: one document per group version (what `kubectl explain`, client-side apply
// and `--validate` read), and the `/openapi/v3` index that links to each by content hash.
import { groupVersions, type KindDefinition } from '../kinds.js';
import { v3Dialect, type Schema } from './dialect.js';
import { documentInfo, serializeDocument } from './document.js';
import { kindSchemas } from './kind-schemas.js';
import { metaV1Schemas } from './meta-v1.js';
import { operationTag } from './names.js';
import { kindOperations, servedSubresourceOperations, type OperationSpec, type PathSpec, type ResponseSpec } from './operations.js';
import type { ParameterSpec } from './parameters.js';
import { loadSubresourceKinds, type SubresourceKind } from './subresource-kinds.js';

function parameter(p: ParameterSpec): Schema {
  return { name: p.name, in: p.in, description: p.description, ...(p.in === 'path' && { required: true }), schema: { type: p.type } };
}

function content(byMediaType: Record<string, string>): Schema {
  return Object.fromEntries(Object.entries(byMediaType).map(([type, name]) => [type, { schema: v3Dialect.ref(name) }]));
}

function response(r: ResponseSpec): Schema {
  return Object.keys(r.content).length ? { description: r.description, content: content(r.content) } : { description: r.description };
}

function operation(o: OperationSpec, tag: string): Schema {
  return {
    tags: [tag],
    description: o.description,
    operationId: o.operationId,
    parameters: o.parameters.map(parameter),
    ...(o.body && {
      requestBody: {
        content: content(Object.fromEntries(o.body.contentTypes.map((type) => [type, o.body!.schema]))),
        ...(o.body.required && { required: true }),
      },
    }),
    responses: Object.fromEntries(Object.entries(o.responses).map(([code, r]) => [code, response(r)])),
    'x-kubernetes-action': o.action,
    'x-kubernetes-group-version-kind': o.gvk,
  };
}

function pathItem(p: PathSpec, tag: string): Schema {
  return {
    ...Object.fromEntries(p.operations.map((o) => [o.method, operation(o, tag)])),
    parameters: p.parameters.map(parameter),
  };
}

/**
 * The OpenAPI v3 document of one group version: its kinds' operations and schemas, and
 * those of the kinds its subresources speak.
 */
export function buildOpenApiV3(kinds: KindDefinition[], group: string, version: string, subresources: SubresourceKind[] = loadSubresourceKinds()): Schema {
  const served = kinds.filter((k) => k.group === group && k.version === version);
  if (!served.length) throw new Error(`no kinds are served in ${group}/${version}`);
  const spoken = subresources.filter((k) => k.servedAt && k.group === group && k.version === version);
  const tag = operationTag(group, version);
  const paths = [...served.flatMap(kindOperations), ...servedSubresourceOperations(served, spoken)];
  return {
    openapi: '3.0.0',
    info: documentInfo,
    paths: Object.fromEntries(paths.map((p) => [p.path, pathItem(p, tag)])),
    components: {
      schemas: {
        ...Object.assign({}, ...[...served, ...spoken].map((k) => kindSchemas(k, { dialect: v3Dialect }))),
        ...metaV1Schemas(v3Dialect),
      },
    },
  };
}

/** The `/openapi/v3` path of a group version's document: `apis/<group>/<version>`. */
export function openApiV3Path(group: string, version: string): string {
  return `apis/${group}/${version}`;
}

/**
 * The `/openapi/v3` discovery document. Each link carries the hash of the document it
 * points to, so clients may cache what they fetched through it for good.
 */
export function buildOpenApiV3Index(kinds: KindDefinition[], subresources: SubresourceKind[] = loadSubresourceKinds()): Schema {
  return {
    paths: Object.fromEntries(
      groupVersions(kinds).map(({ group, version }) => {
        const path = openApiV3Path(group, version);
        const { hash } = serializeDocument(buildOpenApiV3(kinds, group, version, subresources));
        return [path, { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` }];
      }),
    ),
  };
}
