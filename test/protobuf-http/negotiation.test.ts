// Content negotiation with protobuf in play: protobuf when it is the client's first
// acceptable choice, JSON when the Accept list allows it, 406 only when nothing acceptable
// remains; and 415 (or 400) for request bodies the server cannot read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, PROTOBUF_MEDIA_TYPE } from '../../src/protobuf/index.js';
import { router, routersPath } from '../server/objects.js';
import { startApiServer, type RunningApiServer } from '../support/apiserver.js';
import { binaryClient, type BinaryClient } from './binary-client.js';

const NS = 'negotiation';

let server: RunningApiServer;
let client: BinaryClient;

beforeAll(async () => {
  server = await startApiServer({ backend: 'embedded' });
  client = await binaryClient(server);
  const res = await server.request('POST', routersPath(NS), { body: router('r') });
  expect(res.status, res.body).toBe(201);
});
afterAll(async () => {
  await server?.stop();
});

const get = (accept: string, path = routersPath(NS, 'r')) => client.request('GET', path, { headers: { Accept: accept } });

describe('Accept', () => {
  it('serves protobuf to a client that lists it first, even with */* after it', async () => {
    for (const accept of [PROTOBUF_MEDIA_TYPE, 'application/vnd.kubernetes.protobuf, */*', 'application/vnd.kubernetes.protobuf,application/json']) {
      const res = await get(accept);
      expect(res.status, accept).toBe(200);
      expect(res.contentType, accept).toBe(PROTOBUF_MEDIA_TYPE);
      expect(decodeEnvelope(res.body).metadata).toMatchObject({ name: 'r', namespace: NS });
    }
  });

  it('serves JSON to a client that asks for JSON, prefers it, or takes anything', async () => {
    for (const accept of ['application/json', 'application/json, application/vnd.kubernetes.protobuf', '*/*', 'application/vnd.kubernetes.protobuf;q=0.5, application/json', '']) {
      const res = await get(accept);
      expect(res.status, accept).toBe(200);
      expect(res.contentType, accept).toBe('application/json');
      expect(res.json().metadata.name).toBe('r');
    }
  });

  it('answers 406 only when nothing acceptable remains, naming what is', async () => {
    const res = await get('text/html, application/xml');
    expect(res.status).toBe(406);
    expect(res.json()).toMatchObject({
      reason: 'NotAcceptable',
      message: 'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
    });
    // A watch has no YAML form.
    const watch = await get('application/yaml', `${routersPath(NS)}?watch=true&timeoutSeconds=1`);
    expect(watch.status).toBe(406);
    expect(watch.json().message).toBe('only the following media types are accepted: application/json, application/vnd.kubernetes.protobuf');
  });
});

describe('request bodies', () => {
  it('refuses a body in a media type it does not read with 415, listing those it does', async () => {
    const res = await client.request('POST', routersPath(NS), { body: 'name: x', headers: { 'Content-Type': 'text/plain' } });
    expect(res.status).toBe(415);
    expect(res.json()).toMatchObject({
      reason: 'UnsupportedMediaType',
      message: 'the body of the request was in an unknown format ("text/plain") - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf',
    });
    // Patches are JSON or YAML, never protobuf.
    const patch = await client.request('PATCH', routersPath(NS, 'r'), { body: encodeEnvelope(router('r')), headers: { 'Content-Type': PROTOBUF_MEDIA_TYPE } });
    expect(patch.status).toBe(415);
    expect(patch.json().message).toContain('application/apply-patch+yaml');
    // A DeleteOptions envelope is not read as text.
    const protobufDelete = { 'Content-Type': PROTOBUF_MEDIA_TYPE };
    const del = await client.request('DELETE', routersPath(NS, 'r'), { body: encodeEnvelope(router('r')), headers: protobufDelete });
    expect(del.status).toBe(415);
    expect((await get('application/json')).status).toBe(200);
  });

  it('refuses a protobuf body that is not an envelope of a kind it serves with 400', async () => {
    const garbage = [Buffer.from('not protobuf'), Buffer.from('k8s\u0000\u00ff\u00ff\u00ff', 'latin1')];
    for (const body of garbage) {
      const res = await client.request('POST', routersPath(NS), { body, headers: { 'Content-Type': PROTOBUF_MEDIA_TYPE } });
      expect(res.status, res.body.toString('utf8')).toBe(400);
      expect(res.json().reason).toBe('BadRequest');
    }
    // An envelope of another kind than the collection's.
    const list = encodeEnvelope({ apiVersion: 'bgp.miloapis.com/v1alpha1', kind: 'BGPRouterList', metadata: {}, items: [] });
    const res = await client.request('POST', routersPath(NS), { body: list, headers: { 'Content-Type': PROTOBUF_MEDIA_TYPE } });
    expect(res.status).toBe(400);
  });

  it('refuses bodies nested deeper than any object can be with 400', async () => {
    const deep = '{"a":'.repeat(200) + '1' + '}'.repeat(200);
    const body = JSON.stringify(router('deep')).replace(/}$/, `,"extra":${deep}}`);
    const res = await client.request('POST', routersPath(NS), { body, headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.json().message).toBe('the object is nested too deeply: more than 100 levels');
    const patch = await client.request('PATCH', routersPath(NS, 'r'), { body: deep, headers: { 'Content-Type': 'application/merge-patch+json' } });
    expect(patch.status).toBe(400);
    expect(patch.json().message).toBe('the patch is nested too deeply: more than 100 levels');
  });
});
