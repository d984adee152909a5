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
 * so each one's JSON is encoded once and its bytes reused by every list and GET that
 * returns it; and so are the arrays of a list, so a list of an unchanged collection
 * reuses its items' bytes whole. A list goes out as a few large buffers, never as a
 * string to encode again.
 */
const objectJson = new WeakMap<object, Buffer>();
const itemsJson = new WeakMap<readonly object[], Buffer>();

function jsonOfObject(obj: object): Buffer {
  let bytes = objectJson.get(obj);
  if (bytes === undefined) objectJson.set(obj, (bytes = Buffer.from(JSON.stringify(obj))));
  return bytes;
}

const COMMA = Buffer.from(',');

function jsonOfItems(items: readonly object[]): Buffer {
  let bytes = itemsJson.get(items);
  if (bytes === undefined) {
    const parts: Buffer[] = [];
    items.forEach((item, i) => {
      if (i > 0) parts.push(COMMA);
      parts.push(jsonOfObject(item));
    });
    itemsJson.set(items, (bytes = Buffer.concat(parts)));
  }
  return bytes;
}

function isObjectList(value: unknown): value is ObjectList {
  const v = value as Partial<ObjectList> | null;
  return !!v && typeof v === 'object' && Array.isArray(v.items) && typeof v.kind === 'string' && v.kind.endsWith('List') && !!v.metadata;
}

/** A stored object as the registry hands it out (it carries its resourceVersion). */
function isStoredObject(value: unknown): value is KubeObject {
  return !!value && typeof value === 'object' && typeof (value as KubeObject).metadata?.resourceVersion === 'string' && !isObjectList(value);
}

const LIST_END = Buffer.from(']}');

/** The bytes of a response body, in order: one buffer, or a list's head, items and end. */
export type Body = string | Buffer | Buffer[];

function json(value: unknown): Body {
  if (isStoredObject(value)) return jsonOfObject(value);
  if (!isObjectList(value)) return Buffer.from(JSON.stringify(value));
  const { items, ...rest } = value;
  return [Buffer.from(`${JSON.stringify(rest).slice(0, -1)},"items":[`), jsonOfItems(items), LIST_END];
}

const SERIALIZE: Record<MediaChoice['serializer'], (value: unknown) => Body> = {
  json,
  yaml: (value) => toYaml(value),
  protobuf: (value) => encodeEnvelope(value as object),
};

export function serialize(value: unknown, choice: MediaChoice): Body {
  return SERIALIZE[choice.serializer](value);
}
