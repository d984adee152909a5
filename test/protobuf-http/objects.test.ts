// The protobuf wire format through the server: every kind written with a protobuf body and
// read back in protobuf, lists, Tables, and the metadata-only forms the garbage collector
// and namespace controller ask for, each equal to what the same request gives in JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/object.js';
import { decodeEnvelope, encodeEnvelope, hasEnvelopeMagic, PROTOBUF_MEDIA_TYPE } from '../../src/protobuf/index.js';
import { EVERY_KIND } from '../protobuf/objects.js';
import { startApiServer, type RunningApiServer } from '../support/apiserver.js';
import { binaryClient, type BinaryClient, type BinaryResult } from './binary-client.js';

const NS = 'pb';
const PROTOBUF = { Accept: PROTOBUF_MEDIA_TYPE };
const METADATA_CLIENT_LIST =
  'application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

let server: RunningApiServer;
let client: BinaryClient;

beforeAll(async () => {
  server = await startApiServer({ backend: 'embedded' });
  client = await binaryClient(server);
});
afterAll(async () => {
  await server?.stop();
});

function collectionPath(obj: { apiVersion: string; kind: string }): string {
  const plural = { BGPRouter: 'bgprouters', BGPPeer: 'bgppeers', BGPAdvertisement: 'bgpadvertisements', BGPPolicy: 'bgppolicies', BGPVRFInstance: 'bgpvrfinstances', VPC: 'vpcs', VPCAttachment: 'vpcattachments' }[obj.kind];
  return `/apis/${obj.apiVersion}/namespaces/${NS}/${plural}`;
}

/** A realistic object as a client would send it: no server-set metadata, no status. */
function creatable(obj: KubeObject): KubeObject {
  const { uid: _u, resourceVersion: _r, generation: _g, creationTimestamp: _c, managedFields: _m, ...metadata } = obj.metadata;
  const { status: _s, ...rest } = obj;
  return { ...rest, metadata: { ...metadata, namespace: NS } } as KubeObject;
}

function protobufBody(res: BinaryResult, contentType = PROTOBUF_MEDIA_TYPE): Record<string, unknown> {
  expect(res.contentType, res.body.toString('utf8')).toBe(contentType);
  expect(hasEnvelopeMagic(res.body)).toBe(true);
  return decodeEnvelope(res.body);
}

/** The same read at exactly the snapshot `read` was read at (controllers write meanwhile). */
function atSnapshotOf(read: Record<string, unknown>, path: string): string {
  const rv = (read.metadata as { resourceVersion: string }).resourceVersion;
  return `${path}${path.includes('?') ? '&' : '?'}resourceVersion=${rv}&resourceVersionMatch=Exact`;
}

/** One object as JSON at exactly the resourceVersion `obj` has (a list at that snapshot). */
async function jsonAsOf(obj: Record<string, unknown>): Promise<any> {
  const { name } = obj.metadata as { name: string };
  const list = await json(atSnapshotOf(obj, `${collectionPath(obj as KubeObject)}?fieldSelector=metadata.name%3D${name}`));
  expect(list.items).toHaveLength(1);
  return list.items[0];
}

async function json(path: string, accept = 'application/json'): Promise<any> {
  const res = await client.request('GET', path, { headers: { Accept: accept } });
  expect(res.status, res.body.toString('utf8')).toBe(200);
  return res.json();
}

describe('protobuf bodies and responses', () => {
  it('round-trips every kind: created from a protobuf body, read back in protobuf, equal to its JSON', async () => {
    for (const original of EVERY_KIND) {
      const sent = creatable(original);
      const created = await client.request('POST', `${collectionPath(sent)}?fieldManager=pb-client`, {
        body: encodeEnvelope(sent),
        headers: { 'Content-Type': PROTOBUF_MEDIA_TYPE, ...PROTOBUF },
      });
      expect(created.status, `${sent.kind}: ${created.body.toString('utf8')}`).toBe(201);
      const fromCreate = protobufBody(created);
      const asJson = await jsonAsOf(fromCreate);
      expect(asJson.spec, sent.kind).toMatchObject(sent.spec as object);
      expect(asJson.metadata.managedFields[0].manager).toBe('pb-client');
      expect(fromCreate, sent.kind).toEqual(asJson);

      const fromGet = protobufBody(await client.request('GET', `${collectionPath(sent)}/${sent.metadata.name}`, { headers: PROTOBUF }));
      expect(fromGet, sent.kind).toEqual(await jsonAsOf(fromGet));
    }
  });

  it('writes an update with a protobuf body', async () => {
    const path = `${collectionPath(EVERY_KIND[0]!)}/${EVERY_KIND[0]!.metadata.name}`;
    const current = await json(path);
    const changed = { ...current, metadata: { ...current.metadata, labels: { ...current.metadata.labels, updated: 'by-protobuf' } } };
    const res = await client.request('PUT', path, { body: encodeEnvelope(changed), headers: { 'Content-Type': PROTOBUF_MEDIA_TYPE, ...PROTOBUF } });
    expect(res.status, res.body.toString('utf8')).toBe(200);
    expect((protobufBody(res).metadata as any).labels.updated).toBe('by-protobuf');
  });

  it('serves lists in protobuf, items equal to the JSON list', async () => {
    for (const obj of EVERY_KIND) {
      const list = protobufBody(await client.request('GET', collectionPath(obj), { headers: PROTOBUF }));
      const asJson = await json(atSnapshotOf(list, collectionPath(obj)));
      expect(list.kind).toBe(`${obj.kind}List`);
      expect(list, obj.kind).toEqual(asJson);
    }
  });

  it('serves Tables in protobuf, with the objects embedded as envelopes', async () => {
    const path = collectionPath(EVERY_KIND[0]!);
    const accept = (type: string) => `${type};as=Table;v=v1;g=meta.k8s.io`;
    for (const query of ['', '?includeObject=Object']) {
      const res = await client.request('GET', path + query, { headers: { Accept: accept(PROTOBUF_MEDIA_TYPE) } });
      const table = protobufBody(res, `${PROTOBUF_MEDIA_TYPE};as=Table;v=v1;g=meta.k8s.io`);
      expect(table).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
      expect(table).toEqual(await json(atSnapshotOf(table, path + query), accept('application/json')));
    }
    // meta.k8s.io/v1beta1 has no protobuf form: the client's next choice (JSON) is served.
    const beta = await client.request('GET', path, {
      headers: { Accept: `${accept(PROTOBUF_MEDIA_TYPE).replace('v=v1', 'v=v1beta1')}, application/json;as=Table;v=v1beta1;g=meta.k8s.io` },
    });
    expect(beta.contentType).toBe('application/json;as=Table;v=v1beta1;g=meta.k8s.io');
    expect(beta.json().apiVersion).toBe('meta.k8s.io/v1beta1');
  });

  it('answers the metadata client’s Accept header with a protobuf PartialObjectMetadataList', async () => {
    const path = collectionPath(EVERY_KIND[0]!);
    const res = await client.request('GET', path, { headers: { Accept: METADATA_CLIENT_LIST } });
    const list = protobufBody(res, `${PROTOBUF_MEDIA_TYPE};as=PartialObjectMetadataList;v=v1;g=meta.k8s.io`);
    expect(list).toMatchObject({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1' });
    const asJson = await json(atSnapshotOf(list, path), 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1');
    expect(list).toEqual(asJson);
    const full = await json(atSnapshotOf(list, path));
    expect((list.items as any[])[0]).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: full.items[0].metadata });

    const one = await client.request('GET', `${path}/${EVERY_KIND[0]!.metadata.name}`, {
      headers: { Accept: 'application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json' },
    });
    expect(protobufBody(one, `${PROTOBUF_MEDIA_TYPE};as=PartialObjectMetadata;v=v1;g=meta.k8s.io`)).toMatchObject({ kind: 'PartialObjectMetadata' });
  });
});
