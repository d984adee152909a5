// Reads a protobuf watch stream the way client-go does: split on the 4-byte big-endian
// length, decode each frame as a bare metav1.WatchEvent, hand back object.raw (an
// envelope). The WatchEvent is decoded with its own protobufjs root, not the codec's.
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { protoDir } from '../../src/protobuf/proto-names.js';

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => join(protoDir(), target);
root.loadSync('k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto', { keepCase: true });
const WatchEvent = root.lookupType('k8s.io.apimachinery.pkg.apis.meta.v1.WatchEvent');

export interface StreamEvent {
  type: string;
  raw: Uint8Array;
}

export function readWatchStream(stream: Buffer): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (let offset = 0; offset < stream.length; ) {
    const length = stream.readUInt32BE(offset);
    const frame = stream.subarray(offset + 4, offset + 4 + length);
    if (frame.length !== length) throw new Error(`a frame of ${length} bytes is cut short at ${frame.length}`);
    const event = WatchEvent.decode(frame) as unknown as { type: string; object: { raw: Uint8Array } };
    events.push({ type: event.type, raw: event.object.raw });
    offset += 4 + length;
  }
  return events;
}
