// Which protobuf message carries which apiVersion and kind: the meta types we return,
// and every kind in openapi/ with its list. Loaded once from the checked-in .proto files.
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import { groupVersions, loadKinds } from '../api/kinds.js';
import { META_PACKAGE, META_PROTO_FILE, RUNTIME_PACKAGE, kindPackage, kindProtoFile, protoDir } from './proto-names.js';

export interface TypeMeta {
  apiVersion: string;
  kind: string;
}

export interface WireType {
  message: Type;
  /** Lists only: the apiVersion and kind each item has in JSON but not on the wire. */
  itemTypeMeta?: TypeMeta;
}

const TABLE_PROTO_FILE = 'k8s.io/apimachinery/pkg/apis/meta/v1/table.proto';
const META_GROUP_VERSION = 'meta.k8s.io/v1';

interface Loaded {
  byTypeMeta: Map<string, WireType>;
  watchEvent: Type;
  unknown: Type;
}

let loaded: Loaded | undefined;

/** The message of an apiVersion and kind, or undefined when it has no protobuf form. */
export function wireTypeFor({ apiVersion, kind }: TypeMeta): WireType | undefined {
  return load().byTypeMeta.get(key(apiVersion, kind));
}

/** runtime.Unknown, the envelope of every protobuf body. */
export function unknownMessage(): Type {
  return load().unknown;
}

export function watchEventMessage(): Type {
  return load().watchEvent;
}

function load(): Loaded {
  if (loaded) return loaded;
  const gvs = groupVersions(loadKinds());
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoDir(), target);
  // keepCase: the wire names are Kubernetes' JSON names (and FieldsV1 has `Raw`).
  root.loadSync([META_PROTO_FILE, TABLE_PROTO_FILE, ...gvs.map((gv) => kindProtoFile(gv.group, gv.version))], { keepCase: true });
  root.resolveAll();
  const meta = (name: string) => root.lookupType(`${META_PACKAGE}.${name}`);

  const byTypeMeta = new Map<string, WireType>([
    // Status keeps the legacy core version, as kube-apiserver writes it.
    [key('v1', 'Status'), { message: meta('Status') }],
    [key(META_GROUP_VERSION, 'Table'), { message: meta('Table') }],
    [key(META_GROUP_VERSION, 'PartialObjectMetadata'), { message: meta('PartialObjectMetadata') }],
    [
      key(META_GROUP_VERSION, 'PartialObjectMetadataList'),
      { message: meta('PartialObjectMetadataList'), itemTypeMeta: { apiVersion: META_GROUP_VERSION, kind: 'PartialObjectMetadata' } },
    ],
  ]);
  for (const { group, version, kinds } of gvs) {
    const apiVersion = `${group}/${version}`;
    const pkg = kindPackage(group, version);
    for (const k of kinds) {
      byTypeMeta.set(key(apiVersion, k.kind), { message: root.lookupType(`${pkg}.${k.kind}`) });
      byTypeMeta.set(key(apiVersion, k.listKind), { message: root.lookupType(`${pkg}.${k.listKind}`), itemTypeMeta: { apiVersion, kind: k.kind } });
    }
  }
  loaded = { byTypeMeta, watchEvent: meta('WatchEvent'), unknown: root.lookupType(`${RUNTIME_PACKAGE}.Unknown`) };
  return loaded;
}

function key(apiVersion: string, kind: string): string {
  return `${apiVersion}\u0000${kind}`;
}
