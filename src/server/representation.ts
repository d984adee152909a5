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

/**
 * Objects are immutable once the registry hands them out (the watch cache shares them),
 * so each one's JSON is computed once and reused by every list that contains it.
 */
const objectJson = new WeakMap<object, string>();

function jsonOfObject(obj: object): string {
  let text = objectJson.get(obj);
  if (text === undefined) objectJson.set(obj, (text = JSON.stringify(obj)));
  return text;
}

function isObjectList(value: unknown): value is ObjectList {
  const v = value as Partial<ObjectList> | null;
  return !!v && typeof v === 'object' && Array.isArray(v.items) && typeof v.kind === 'string' && v.kind.endsWith('List') && !!v.metadata;
}

function json(value: unknown): string {
  if (!isObjectList(value)) return JSON.stringify(value);
  const { items, ...rest } = value;
  const head = JSON.stringify(rest);
  return `${head.slice(0, -1)},"items":[${items.map(jsonOfObject).join(',')}]}`;
}

const SERIALIZE: Record<MediaChoice['serializer'], (value: unknown) => string | Buffer> = {
  json,
  yaml: (value) => toYaml(value),
  protobuf: (value) => encodeEnvelope(value as object),
};

export function serialize(value: unknown, choice: MediaChoice): string | Buffer {
  return SERIALIZE[choice.serializer](value);
}
