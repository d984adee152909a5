// A kind's published schema and its list type's, shaped as kube-apiserver publishes a
// custom resource: the kind's own structural schema with TypeMeta's fields, `metadata`
// referring to ObjectMeta, and the group-version-kind extension clients index by.
import type { KindDefinition } from '../kinds.js';
import type { Schema, SchemaDialect } from './dialect.js';
import { listMetadataDescription, objectMetadataDescription, typeMetaProperties } from './meta-v1.js';
import { definitionName, metaV1 } from './names.js';
import { publishedStructural } from './structural.js';

export interface KindSchemaOptions {
  dialect: SchemaDialect;
  /** The dialect's rewrite of a published structural schema (v2 drops what it cannot say). */
  structural?: (schema: Schema) => Schema;
}

/** What a published kind needs: a served kind, or one a subresource speaks (which may have no list). */
export type PublishedKind = Pick<KindDefinition, 'group' | 'version' | 'kind' | 'schema'> & { listKind?: string; plural?: string };

export const kindDefinitionName = (k: PublishedKind) => definitionName(k.group, k.version, k.kind);
export const listDefinitionName = (k: KindDefinition) => definitionName(k.group, k.version, k.listKind);

const gvk = (k: PublishedKind, kind: string) => [{ group: k.group, kind, version: k.version }];

/** The kind's schema and its list's (when it has one), by definition name. */
export function kindSchemas(k: PublishedKind, { dialect, structural = (s) => s }: KindSchemaOptions): Record<string, Schema> {
  const own = structural(publishedStructural(k.schema));
  const kindSchema: Schema = {
    ...own,
    properties: {
      ...(own.properties as Record<string, Schema> | undefined),
      ...typeMetaProperties,
      metadata: dialect.ref(metaV1.ObjectMeta, { description: objectMetadataDescription }),
    },
    'x-kubernetes-group-version-kind': gvk(k, k.kind),
  };
  if (!k.listKind) return { [kindDefinitionName(k)]: kindSchema };
  const listSchema: Schema = {
    description: `${k.listKind} is a list of ${k.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      ...typeMetaProperties,
      items: {
        description: `List of ${k.plural ?? `${k.kind} objects`}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
        type: 'array',
        items: dialect.ref(kindDefinitionName(k)),
      },
      metadata: dialect.ref(metaV1.ListMeta, { description: listMetadataDescription }),
    },
    'x-kubernetes-group-version-kind': gvk(k, k.listKind),
  };
  return { [kindDefinitionName(k)]: kindSchema, [definitionName(k.group, k.version, k.listKind)]: listSchema };
}
