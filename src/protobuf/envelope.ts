// The Kubernetes protobuf envelope: the magic bytes "k8s\x00" (the fourth byte names the
// encoding; 0 is the only one defined: a runtime.Unknown follows), then a runtime.Unknown
// whose typeMeta names the object and whose raw holds the object's message.
import * as errors from '../meta/status.js';
import { unknownMessage, type TypeMeta } from './wire-types.js';

/** The media type of a body that is one envelope. */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from('k8s\u0000', 'latin1');

/** True when `bytes` start like a protobuf envelope (JSON starts with `{`, YAML with text). */
export function hasEnvelopeMagic(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

export function wrapInEnvelope(typeMeta: TypeMeta, raw: Uint8Array): Buffer {
  // Go writes both content fields even though they are empty; so do we, so that our
  // envelopes are byte for byte what a Go serializer writes for the same message.
  const unknown = unknownMessage().encode({ typeMeta, raw, contentEncoding: '', contentType: '' }).finish();
  return Buffer.concat([MAGIC, unknown]);
}

/** Throws a 400 for anything that is not a complete envelope of a protobuf message. */
export function unwrapEnvelope(bytes: Uint8Array): { typeMeta: TypeMeta; raw: Uint8Array } {
  if (!hasEnvelopeMagic(bytes)) throw errors.badRequest('the body does not appear to be a protobuf message: it lacks the prefix "k8s\\x00"');
  let unknown: { typeMeta?: Partial<TypeMeta>; raw?: Uint8Array; contentEncoding?: string; contentType?: string };
  try {
    unknown = unknownMessage().decode(bytes.subarray(MAGIC.length)) as typeof unknown;
  } catch (err) {
    throw errors.badRequest(`the protobuf envelope could not be decoded: ${(err as Error).message}`);
  }
  const { apiVersion = '', kind = '' } = unknown.typeMeta ?? {};
  if (!kind) throw errors.badRequest("Object 'Kind' is missing in the protobuf envelope");
  if (!apiVersion) throw errors.badRequest("Object 'apiVersion' is missing in the protobuf envelope");
  if (unknown.contentEncoding) throw errors.badRequest(`unsupported content encoding "${unknown.contentEncoding}" in the protobuf envelope`);
  if (unknown.contentType && unknown.contentType !== PROTOBUF_MEDIA_TYPE) {
    throw errors.badRequest(`unsupported content type "${unknown.contentType}" in the protobuf envelope`);
  }
  return { typeMeta: { apiVersion, kind }, raw: unknown.raw ?? new Uint8Array() };
}
