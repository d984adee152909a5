// The Kubernetes protobuf wire format (application/vnd.kubernetes.protobuf) for our kinds
// and the meta types we return: bodies as envelopes, watch streams as length-prefixed
// frames. Objects go in and come out JSON-shaped, exactly as the server holds them.
import { wireTypeFor, type TypeMeta } from './wire-types.js';

export { PROTOBUF_MEDIA_TYPE, hasEnvelopeMagic } from './envelope.js';
export { decodeEnvelope, encodeEnvelope } from './object-codec.js';
export { PROTOBUF_WATCH_MEDIA_TYPE, encodeWatchFrame, type WatchEventType } from './watch-frame.js';
export type { TypeMeta } from './wire-types.js';

/**
 * Whether objects of this apiVersion and kind have a protobuf form (our kinds and their
 * lists, v1 Status, meta.k8s.io/v1 Table and PartialObjectMetadata[List]); negotiation
 * skips protobuf for the others, e.g. meta.k8s.io/v1beta1 transforms.
 */
export function hasProtobufForm(typeMeta: TypeMeta): boolean {
  return wireTypeFor(typeMeta) !== undefined;
}
