// Turning objects into what the client asked for: the object itself, its metadata only
// (PartialObjectMetadata, what the garbage collector and namespace controller read), or
// a Table; then bytes in JSON, YAML or protobuf.
import { stringify as toYaml } from 'yaml';
import type { KubeObject, ObjectList } from '../api/object.js';
import * as errors from '../meta/status.js';
import { encodeEnvelope } from '../protobuf/index.js';
import type { MediaChoice } from './negotiation.js';
import type { IncludeObject, TableConvertor } from './table.js';

export function partialObjectMetadata(obj: KubeObject, apiVersion: string): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion, metadata: obj.metadata };
}

export interface TransformContext {
  choice: MediaChoice;
  table: TableConvertor;
  includeObject: IncludeObject;
  /** Omit Table column definitions (watch events after the first). */
  noHeaders?: boolean;
}

/** A single object (get, create, update, patch, delete, watch events). */
export function transformObject(obj: KubeObject, ctx: TransformContext): unknown {
  const { transform, transformVersion } = ctx.choice;
  if (!transform) return obj;
  if (transform === 'Table') {
    return ctx.table.table([obj], { resourceVersion: obj.metadata.resourceVersion }, {
      include: ctx.includeObject,
      noHeaders: ctx.noHeaders,
      transformVersion: transformVersion!,
    });
  }
  // Watches ask with the list form; each event still carries one object's metadata.
  return partialObjectMetadata(obj, transformVersion!);
}

export function transformList(list: ObjectList, ctx: TransformContext): unknown {
  const { transform, transformVersion } = ctx.choice;
  if (!transform) return list;
  if (transform === 'Table') {
    return ctx.table.table(list.items, list.metadata, { include: ctx.includeObject, transformVersion: transformVersion! });
  }
  if (transform === 'PartialObjectMetadataList') {
    return {
      kind: 'PartialObjectMetadataList',
      apiVersion: transformVersion,
      metadata: list.metadata,
      items: list.items.map((o) => partialObjectMetadata(o, transformVersion!)),
    };
  }
  throw errors.notAcceptable(`the ${transform} representation is not available for lists`);
}

const SERIALIZE: Record<MediaChoice['serializer'], (value: unknown) => string | Buffer> = {
  json: (value) => JSON.stringify(value),
  yaml: (value) => toYaml(value),
  protobuf: (value) => encodeEnvelope(value as object),
};

export function serialize(value: unknown, choice: MediaChoice): string | Buffer {
  return SERIALIZE[choice.serializer](value);
}
