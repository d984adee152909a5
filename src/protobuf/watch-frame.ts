// One event of a protobuf watch stream, as client-go's watch decoder reads it: a 4-byte
// big-endian length, then a metav1.WatchEvent written WITHOUT an envelope (the stream
// serializer is apimachinery's raw protobuf serializer), whose object.raw is the object's
// complete envelope ("k8s\x00" + runtime.Unknown).
import { encodeEnvelope } from './object-codec.js';
import { watchEventMessage, type TypeMeta } from './wire-types.js';

/** The Content-Type of a protobuf watch response, as kube-apiserver sends it. */
export const PROTOBUF_WATCH_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf;stream=watch';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export function encodeWatchFrame(type: WatchEventType, object: object, typeMeta?: TypeMeta): Buffer {
  const event = watchEventMessage().encode({ type, object: { raw: encodeEnvelope(object, typeMeta) } }).finish();
  const frame = Buffer.allocUnsafe(4 + event.length);
  frame.writeUInt32BE(event.length, 0);
  frame.set(event, 4);
  return frame;
}
