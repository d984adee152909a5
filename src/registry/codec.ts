// Objects as bytes in storage. resourceVersion is never stored: it is the key's mod
// revision, stamped on the way out.
import type { KeyValue } from '../../storage/interface.js';
import type { KubeObject } from '../api/object.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeObject(obj: KubeObject): Uint8Array {
  const { resourceVersion: _ignored, ...metadata } = obj.metadata;
  return encoder.encode(JSON.stringify({ ...obj, metadata }));
}

export function decodeObject(kv: KeyValue): KubeObject {
  const obj = JSON.parse(decoder.decode(kv.value)) as KubeObject;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}
