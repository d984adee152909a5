// Swagger 2.0: one document for every group, as `/openapi/v2` serves it. Kind schemas go
// through the conversion kube-apiserver applies to CRD schemas for v2.
import type { KindDefinition } from '../kinds.js';
import { v2Dialect, type Schema } from './dialect.js';
import { documentInfo } from './document.js';
import { kindSchemas } from './kind-schemas.js';
import { metaV1Schemas } from './meta-v1.js';
import { operationTag } from './names.js';
import { kindOperations, servedSubresourceOperations, type OperationSpec, type PathSpec } from './operations.js';
import type { ParameterSpec } from './parameters.js';
import { loadSubresourceKinds, type SubresourceKind } from './subresource-kinds.js';
import { toStructuralV2 } from './v2-structural.js';

function parameter(p: ParameterSpec): Schema {
  return { name: p.name, in: p.in, description: p.description, ...(p.in === 'path' && { required: true }), type: p.type };
}

function operation(o: OperationSpec, tag: string): Schema {
  // v2 has one schema per response: the one of the plain JSON answer.
  const produces = [...new Set(Object.values(o.responses).flatMap((r) => Object.keys(r.content)))];
  return {
    description: o.description,
    ...(o.body && { consumes: [...o.body.contentTypes] }),
    produces,
    schemes: ['https'],
    tags: [tag],
    operationId: o.operationId,
    parameters: [
      ...(o.body ? [{ name: 'body', in: 'body', ...(o.body.required && { required: true }), schema: v2Dialect.ref(o.body.schema) }] : []),
      ...o.parameters.map(parameter),
    ],
    responses: Object.fromEntries(
      Object.entries(o.responses).map(([code, r]) => {
        const schema = r.content['application/json'];
        return [code, { description: r.description, ...(schema && { schema: v2Dialect.ref(schema) }) }];
      }),
    ),
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

/** The Swagger 2.0 document of every kind served, and of the kinds their subresources speak. */
export function buildOpenApiV2(kinds: KindDefinition[], subresources: SubresourceKind[] = loadSubresourceKinds()): Schema {
  const spoken = subresources.filter((s) => s.servedAt && kinds.some((k) => k.group === s.group && k.version === s.version));
  const tagged = (p: PathSpec, group: string, version: string) => [p.path, pathItem(p, operationTag(group, version))];
  return {
    swagger: '2.0',
    info: documentInfo,
    paths: Object.fromEntries([
      ...kinds.flatMap((k) => kindOperations(k).map((p) => tagged(p, k.group, k.version))),
      ...spoken.flatMap((s) => servedSubresourceOperations(kinds, [s]).map((p) => tagged(p, s.group, s.version))),
    ]),
    definitions: {
      ...Object.assign({}, ...[...kinds, ...spoken].map((k) => kindSchemas(k, { dialect: v2Dialect, structural: toStructuralV2 }))),
      ...metaV1Schemas(v2Dialect),
    },
  };
}
