// Watches in protobuf: length-prefixed metav1.WatchEvent frames carrying envelopes, as
// client-go's protobuf watch decoder reads them, for objects, for the metadata client's
// PartialObjectMetadata, for bookmarks, and for the Status of an ERROR event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, PROTOBUF_MEDIA_TYPE, PROTOBUF_WATCH_MEDIA_TYPE } from '../../src/protobuf/index.js';
import { router, routersPath } from '../server/objects.js';
import { startApiServer, type RunningApiServer } from '../support/apiserver.js';
import type { StreamEvent } from '../protobuf/watch-stream.js';
import { binaryClient, type BinaryClient, type ProtobufWatch } from './binary-client.js';

const METADATA_CLIENT =
  'application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const MERGE = { 'Content-Type': 'application/merge-patch+json' };

let server: RunningApiServer;
let client: BinaryClient;
const open: ProtobufWatch[] = [];

beforeAll(async () => {
  server = await startApiServer({ backend: 'embedded' });
  client = await binaryClient(server);
});
afterAll(async () => {
  for (const w of open) w.close();
  await server?.stop();
});

function watch(path: string, accept: string): ProtobufWatch {
  const w = client.watch(path, accept);
  open.push(w);
  return w;
}

const decoded = (events: StreamEvent[]) => events.map((e) => ({ type: e.type, object: decodeEnvelope(e.raw) as any }));
const summary = (events: StreamEvent[]) => decoded(events).map((e) => `${e.type} ${e.object.kind} ${e.object.metadata?.name ?? ''}`.trim());

async function write(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<any> {
  const res = await server.request(method, path, { body, headers });
  expect(res.status, res.body).toBeLessThan(300);
  return res.json();
}

describe('protobuf watch', () => {
  it('streams ADDED, MODIFIED and DELETED as frames of enveloped objects, equal to the JSON ones', async () => {
    const ns = 'pb-watch';
    // Both from one resourceVersion, so that both see exactly the writes below.
    const rv = (await write('GET', routersPath(ns))).metadata.resourceVersion;
    const w = watch(`${routersPath(ns)}?watch=true&resourceVersion=${rv}`, `${PROTOBUF_MEDIA_TYPE}, application/json`);
    expect(await w.status()).toEqual({ code: 200, contentType: PROTOBUF_WATCH_MEDIA_TYPE });
    const json = server.watch(`${routersPath(ns)}?watch=true&resourceVersion=${rv}`);

    await write('POST', routersPath(ns), router('r'));
    await write('PATCH', routersPath(ns, 'r'), { spec: { localASN: 65010 } }, MERGE);
    await write('DELETE', routersPath(ns, 'r'));
    const events = await w.until((e) => e.length >= 3);
    expect(summary(events)).toEqual(['ADDED BGPRouter r', 'MODIFIED BGPRouter r', 'DELETED BGPRouter r']);
    await json.until((e) => e.length >= 3);
    expect(decoded(events)).toEqual(json.events);
    expect(decoded(events)[1]!.object.spec.localASN).toBe(65010);
    json.close();
  });

  it('serves the metadata client’s watch as PartialObjectMetadata frames, with bookmarks', async () => {
    const ns = 'pb-metadata';
    await write('POST', routersPath(ns), router('before', { labels: { a: 'b' } }));
    const w = watch(`${routersPath(ns)}?watch=true&resourceVersion=0&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan`, METADATA_CLIENT);
    expect((await w.status()).contentType).toBe(PROTOBUF_WATCH_MEDIA_TYPE);
    const initial = await w.until((e) => e.some((x) => x.type === 'BOOKMARK'));
    const [added, bookmark] = decoded(initial);
    expect(added).toMatchObject({ type: 'ADDED', object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'before', labels: { a: 'b' } } } });
    expect(added!.object.spec).toBeUndefined();
    expect(bookmark).toMatchObject({
      type: 'BOOKMARK',
      object: { kind: 'PartialObjectMetadata', metadata: { annotations: { 'k8s.io/initial-events-end': 'true' }, resourceVersion: expect.any(String) } },
    });

    await write('POST', routersPath(ns), router('after'));
    const more = await w.until((e) => e.length >= 3);
    expect(decoded(more)[2]).toMatchObject({ type: 'ADDED', object: { kind: 'PartialObjectMetadata', metadata: { name: 'after' } } });
  });

  it('ends with an ERROR frame carrying a protobuf Status', async () => {
    // A resourceVersion the server will not reach: after the freshness wait, a 504 Status.
    const w = watch(`${routersPath('pb-error')}?watch=true&resourceVersion=99999999`, PROTOBUF_MEDIA_TYPE);
    expect(await w.status()).toEqual({ code: 200, contentType: PROTOBUF_WATCH_MEDIA_TYPE });
    await w.ended;
    const events = decoded(w.frames());
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 504, reason: 'Timeout', message: expect.stringContaining('Too large resource version: 99999999') },
    });
  });
});
