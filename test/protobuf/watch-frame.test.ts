// Protobuf watch streams as client-go reads them (see watch-stream.ts): frames in order,
// each object a complete envelope.
import { describe, expect, it } from 'vitest';
import * as errors from '../../src/meta/status.js';
import { decodeEnvelope, encodeWatchFrame, hasEnvelopeMagic, type WatchEventType } from '../../src/protobuf/index.js';
import { partialObjectMetadata } from '../../src/server/representation.js';
import { EVERY_KIND, peer, vpc } from './objects.js';
import { readWatchStream } from './watch-stream.js';

describe('protobuf watch frames', () => {
  it('writes each event as a length, a bare WatchEvent, and the object as a full envelope', () => {
    const frame = encodeWatchFrame('ADDED', vpc);
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    // A bare WatchEvent starts with its type (field 1), not with the "k8s\x00" magic.
    expect(frame.subarray(4, 11)).toEqual(Buffer.from([0x0a, 0x05, ...Buffer.from('ADDED')]));
    const [event] = readWatchStream(frame);
    expect(hasEnvelopeMagic(event!.raw)).toBe(true);
    expect(decodeEnvelope(event!.raw)).toEqual(vpc);
  });

  it('reads back a stream of every kind, a bookmark and an ERROR event in order', () => {
    const sent: [WatchEventType, object][] = [
      ...EVERY_KIND.map((o) => ['MODIFIED', o] as [WatchEventType, object]),
      ['BOOKMARK', { apiVersion: 'vpc.miloapis.com/v1alpha1', kind: 'VPC', metadata: { resourceVersion: '48240', annotations: { 'k8s.io/initial-events-end': 'true' } } }],
      ['DELETED', vpc],
      ['ERROR', errors.toStatus(errors.resourceExpired('too old resource version: 100 (48000)'))],
    ];
    const stream = Buffer.concat(sent.map(([type, object]) => encodeWatchFrame(type, object)));
    const received = readWatchStream(stream).map(({ type, raw }) => [type, decodeEnvelope(raw)]);
    expect(received).toEqual(sent);
  });

  it('serves a metadata watch: each event carries a PartialObjectMetadata', () => {
    const partial = partialObjectMetadata(peer, 'meta.k8s.io/v1');
    const [event] = readWatchStream(encodeWatchFrame('ADDED', partial));
    expect(decodeEnvelope(event!.raw)).toEqual({ apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: peer.metadata });
  });
});
