// The REST operations served for a kind, as kube-apiserver lists them for a custom
// resource (apiextensions-apiserver's OpenAPI builder): the collection, the object, the
// status subresource and, for namespaced kinds, the list across namespaces; then those of
// custom subresources such as vpcs/allocate. Described once here and written out in
// either dialect by the v2 and v3 builders.
import type { KindDefinition } from '../kinds.js';
import { kindDefinitionName, listDefinitionName } from './kind-schemas.js';
import { definitionName, metaV1, operationId } from './names.js';
import { nameParameter, namespaceParameter, prettyParameter, queryParameters, type ParameterSpec } from './parameters.js';
import type { SubresourceKind, SubresourceMethod } from './subresource-kinds.js';

export type Action = keyof typeof queryParameters;
export type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';

/** The body types the server decodes for an object. */
export const objectContentTypes = ['application/json', 'application/yaml'] as const;
/** The patch types the server applies; kubectl computes strategic merge patches only when listed. */
export const patchContentTypes = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

export interface ResponseSpec {
  description: string;
  /** Media type → definition name of what comes back in it. */
  content: Record<string, string>;
}

export interface OperationSpec {
  method: Method;
  action: Action;
  operationId: string;
  description: string;
  parameters: ParameterSpec[];
  body?: { schema: string; required: boolean; contentTypes: readonly string[] };
  responses: Record<string, ResponseSpec>;
  gvk: { group: string; kind: string; version: string };
}

export interface PathSpec {
  path: string;
  /** Shared by every operation on the path. */
  parameters: ParameterSpec[];
  operations: OperationSpec[];
}

const returning = (schema: string, extra: Record<string, string> = {}): Record<string, string> => ({
  ...Object.fromEntries(objectContentTypes.map((type) => [type, schema])),
  ...extra,
});

// kube's article rule: plural-looking nouns take none, vowels take "an".
function article(noun: string): string {
  if (noun.endsWith('s') && !noun.endsWith('ss')) return ' ';
  return /^[aeiou]/i.test(noun) ? ' an ' : ' a ';
}

export function kindOperations(k: KindDefinition): PathSpec[] {
  const namespaced = k.scope === 'Namespaced';
  const scope = namespaced ? 'Namespaced' : '';
  const object = kindDefinitionName(k);
  const list = listDefinitionName(k);
  const gvk = { group: k.group, kind: k.kind, version: k.version };
  const collectionPath = namespaced ? `/apis/${k.group}/${k.version}/namespaces/{namespace}/${k.plural}` : `/apis/${k.group}/${k.version}/${k.plural}`;
  const scopeParameters = namespaced ? [namespaceParameter] : [];

  const op = (
    method: Method,
    action: Action,
    verb: string,
    rest: string,
    description: string,
    responses: Record<string, ResponseSpec>,
    body?: OperationSpec['body'],
  ): OperationSpec => ({
    method,
    action,
    operationId: operationId(verb, k.group, k.version, rest),
    description,
    parameters: queryParameters[action],
    ...(body && { body }),
    responses: { ...responses, '401': { description: 'Unauthorized', content: {} } },
    gvk,
  });
  const ok = (schema: string, extra?: Record<string, string>) => ({ '200': { description: 'OK', content: returning(schema, extra) } });
  const created = (schema: string) => ({ '201': { description: 'Created', content: returning(schema) } });
  const accepted = (schema: string) => ({ '202': { description: 'Accepted', content: returning(schema) } });
  const objectBody = { schema: object, required: true, contentTypes: objectContentTypes };
  const patchBody = { schema: metaV1.Patch, required: true, contentTypes: patchContentTypes };
  const deleteBody = { schema: metaV1.DeleteOptions, required: false, contentTypes: objectContentTypes };
  // A watch (list with watch=true) streams events instead of the list.
  const listed = ok(list, { 'application/json;stream=watch': metaV1.WatchEvent });

  const paths: PathSpec[] = [];
  if (namespaced) {
    paths.push({
      path: `/apis/${k.group}/${k.version}/${k.plural}`,
      parameters: [prettyParameter],
      operations: [op('get', 'list', 'list', `${k.kind}ForAllNamespaces`, `list objects of kind ${k.kind}`, listed)],
    });
  }
  paths.push({
    path: collectionPath,
    parameters: [...scopeParameters, prettyParameter],
    operations: [
      op('get', 'list', 'list', `${scope}${k.kind}`, `list objects of kind ${k.kind}`, listed),
      op('post', 'post', 'create', `${scope}${k.kind}`, `create${article(k.kind)}${k.kind}`, { ...ok(object), ...created(object), ...accepted(object) }, objectBody),
      op('delete', 'deletecollection', 'delete', `Collection${scope}${k.kind}`, `delete collection of ${k.kind}`, ok(metaV1.Status), deleteBody),
    ],
  });
  paths.push({
    path: `${collectionPath}/{name}`,
    parameters: [nameParameter(k.kind), ...scopeParameters, prettyParameter],
    operations: [
      op('get', 'get', 'read', `${scope}${k.kind}`, `read the specified ${k.kind}`, ok(object)),
      op('put', 'put', 'replace', `${scope}${k.kind}`, `replace the specified ${k.kind}`, { ...ok(object), ...created(object) }, objectBody),
      op('delete', 'delete', 'delete', `${scope}${k.kind}`, `delete${article(k.kind)}${k.kind}`, { ...ok(metaV1.Status), ...accepted(metaV1.Status) }, deleteBody),
      // Server-side apply creates what does not exist yet.
      op('patch', 'patch', 'patch', `${scope}${k.kind}`, `partially update the specified ${k.kind}`, { ...ok(object), ...created(object) }, patchBody),
    ],
  });
  if (k.hasStatus) {
    paths.push({
      path: `${collectionPath}/{name}/status`,
      parameters: [nameParameter(k.kind), ...scopeParameters, prettyParameter],
      operations: [
        op('get', 'get', 'read', `${scope}${k.kind}Status`, `read status of the specified ${k.kind}`, ok(object)),
        op('put', 'put', 'replace', `${scope}${k.kind}Status`, `replace status of the specified ${k.kind}`, { ...ok(object), ...created(object) }, objectBody),
        op('patch', 'patch', 'patch', `${scope}${k.kind}Status`, `partially update status of the specified ${k.kind}`, ok(object), patchBody),
      ],
    });
  }
  return paths;
}

const SUBRESOURCE_VERBS: Record<SubresourceMethod, { verb: string; action: Action }> = {
  get: { verb: 'read', action: 'get' },
  post: { verb: 'create', action: 'post' },
  delete: { verb: 'delete', action: 'delete' },
};

/**
 * The operations of a custom subresource of `parent` (as kube lists pods/eviction: the
 * subresource's own kind in request, responses and group-version-kind), or none when
 * the subresource kind does not say where it is served.
 */
export function subresourceOperations(parent: KindDefinition, sub: SubresourceKind): PathSpec[] {
  if (!sub.servedAt) return [];
  const namespaced = parent.scope === 'Namespaced';
  const base = namespaced ? `/apis/${parent.group}/${parent.version}/namespaces/{namespace}/${parent.plural}` : `/apis/${parent.group}/${parent.version}/${parent.plural}`;
  const name = sub.servedAt.subresource;
  const schemaOf = (kind: string) => (kind === 'Status' ? metaV1.Status : definitionName(sub.group, sub.version, kind));
  const rest = `${namespaced ? 'Namespaced' : ''}${parent.kind}${name[0]!.toUpperCase()}${name.slice(1)}`;
  return [
    {
      path: `${base}/{name}/${name}`,
      parameters: [nameParameter(sub.kind), ...(namespaced ? [namespaceParameter] : []), prettyParameter],
      operations: sub.servedAt.operations.map(
        (o): OperationSpec => ({
          method: o.method,
          action: SUBRESOURCE_VERBS[o.method].action,
          operationId: operationId(SUBRESOURCE_VERBS[o.method].verb, parent.group, parent.version, rest),
          description: o.description,
          parameters: o.parameters,
          ...(o.request && { body: { schema: schemaOf(o.request), required: true, contentTypes: objectContentTypes } }),
          responses: {
            ...Object.fromEntries(Object.entries(o.responses).map(([code, kind]) => [code, { description: HTTP_DESCRIPTIONS[code] ?? code, content: returning(schemaOf(kind)) }])),
            '401': { description: 'Unauthorized', content: {} },
          },
          gvk: { group: sub.group, kind: sub.kind, version: sub.version },
        }),
      ),
    },
  ];
}

const HTTP_DESCRIPTIONS: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted' };

/** Every subresource operation served for `kinds`, from the subresource kinds that name one of them. */
export function servedSubresourceOperations(kinds: readonly KindDefinition[], subresources: readonly SubresourceKind[]): PathSpec[] {
  return subresources.flatMap((sub) => {
    const parent = kinds.find((k) => k.group === sub.group && k.version === sub.version && k.plural === sub.servedAt?.resource);
    return parent ? subresourceOperations(parent, sub) : [];
  });
}
